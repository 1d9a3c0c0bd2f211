package io.strata.protocol.message;

import java.util.List;

/**
 * One line of {@code fsck}: a damaged chunk and who uses it.
 *
 * @param digest the chunk's {@code sha256:} digest, or {@code chunk #ID} when even that is lost
 * @param problem one sentence saying what is wrong
 * @param usedBy the objects it affects as a user knows them, sorted: {@code blob sha256:<hex>},
 *     {@code image NAME:TAG}, {@code container NAME (<id12>)}, {@code registry REPO:TAG} (see
 *     docs/PROTOCOL.md)
 */
public record DamageItem(String digest, String problem, List<String> usedBy) {
  public DamageItem {
    usedBy = usedBy == null ? List.of() : List.copyOf(usedBy);
  }
}

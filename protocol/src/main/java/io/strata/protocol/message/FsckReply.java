package io.strata.protocol.message;

import java.util.List;

/**
 * What a client assembles from {@code fsck}; the keys of {@code strata --json fsck}.
 *
 * @param chunksChecked chunks re-read and re-hashed
 * @param damaged every damaged chunk with the objects it affects
 */
public record FsckReply(long chunksChecked, List<DamageItem> damaged) {
  public FsckReply {
    damaged = List.copyOf(damaged);
  }
}

package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code image.rm}, as Docker prints it.
 *
 * @param untagged the tags removed
 * @param deleted the image ids deleted (empty when only a tag went)
 */
public record RemoveReply(List<String> untagged, List<String> deleted) {
  public RemoveReply {
    untagged = untagged == null ? List.of() : List.copyOf(untagged);
    deleted = deleted == null ? List.of() : List.copyOf(deleted);
  }
}

package io.strata.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The answer of {@code image.rm}, as Docker prints it.
 *
 * @param untagged the tags removed
 * @param deleted the image ids deleted (empty when only a tag went)
 * @param registryServes those of {@code untagged} the server's registry still serves as a client
 *     pushed them: a pushed tag is the registry's own, and stays until it is deleted there
 */
public record RemoveReply(
    List<String> untagged,
    List<String> deleted,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> registryServes) {
  public RemoveReply {
    untagged = untagged == null ? List.of() : List.copyOf(untagged);
    deleted = deleted == null ? List.of() : List.copyOf(deleted);
    registryServes = registryServes == null ? List.of() : List.copyOf(registryServes);
  }

  /** A removal none of whose tags the registry keeps. */
  public RemoveReply(List<String> untagged, List<String> deleted) {
    this(untagged, deleted, List.of());
  }
}

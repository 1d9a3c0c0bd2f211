package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code container.prune}.
 *
 * @param removed the ids of the containers removed
 */
public record ContainerPruneReply(List<String> removed) {
  public ContainerPruneReply {
    removed = removed == null ? List.of() : List.copyOf(removed);
  }
}

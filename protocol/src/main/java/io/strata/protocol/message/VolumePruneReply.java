package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code volume.prune}.
 *
 * @param removed the volumes removed: those no container mounts
 * @param bytesReclaimed bytes of the files they held
 */
public record VolumePruneReply(List<String> removed, long bytesReclaimed) {
  public VolumePruneReply {
    removed = removed == null ? List.of() : List.copyOf(removed);
  }
}

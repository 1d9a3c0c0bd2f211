package io.strata.protocol.message;

/**
 * Arguments of {@code volume.prune}.
 *
 * @param all also remove unused named volumes; left out or false: only anonymous ones, as {@code
 *     docker volume prune} since Docker 23
 */
public record VolumePruneArgs(Boolean all) {
  /** Left out is false. */
  public VolumePruneArgs {
    all = Boolean.TRUE.equals(all);
  }
}

package io.strata.protocol.message;

/**
 * Arguments of {@code container.rm}.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param force {@code rm -f}: accepted as Docker does; a Strata container never runs, so there is
 *     nothing to stop first
 * @param volumes {@code rm -v}: also remove the container's anonymous volumes that no other
 *     container mounts
 */
public record ContainerRemoveArgs(String container, Boolean force, Boolean volumes) {
  /** Flags left out are false. */
  public ContainerRemoveArgs {
    force = Boolean.TRUE.equals(force);
    volumes = Boolean.TRUE.equals(volumes);
  }
}

package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code container.inspect}.
 *
 * @param id the container id
 * @param name its name
 * @param image the image reference it was created from
 * @param imageId the image's id
 * @param created when it was created (ISO-8601)
 * @param mounts its volumes and bind mounts
 */
public record ContainerInspectReply(
    String id, String name, String image, String imageId, String created, List<MountItem> mounts) {
  public ContainerInspectReply {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
  }
}

package io.strata.store.container;

import java.util.List;

/**
 * What is kept of one container ({@code DATA/containers/<id>/config.json}). Its writable layer is
 * the driver snapshot {@code ctr-<id>}, prepared from {@code parentLayer}.
 *
 * @param id 64 hex digits
 * @param name its unique name
 * @param image the image reference it was created from, as given
 * @param imageId the image's id ({@code sha256:...})
 * @param parentLayer the chain id of the image's top layer, or null for an image without layers
 * @param created when it was created (ISO-8601)
 * @param mounts its volumes and bind mounts, anonymous volumes named
 * @param settings its environment, labels and working directory (absent in the records of
 *     containers created before they existed: none)
 */
public record ContainerConfig(
    String id,
    String name,
    String image,
    String imageId,
    String parentLayer,
    String created,
    List<Mount> mounts,
    ContainerSettings settings) {
  public ContainerConfig {
    mounts = List.copyOf(mounts);
    settings = settings == null ? ContainerSettings.NONE : settings;
  }

  /** The driver snapshot that is its writable layer. */
  public String snapshot() {
    return ContainerStore.SNAPSHOT_PREFIX + id;
  }
}

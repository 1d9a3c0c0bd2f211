package io.strata.protocol.message;

import java.util.List;
import java.util.Map;

/**
 * The answer of {@code container.inspect}.
 *
 * @param id the container id
 * @param name its name
 * @param image the image reference it was created from
 * @param imageId the image's id
 * @param created when it was created (ISO-8601)
 * @param mounts its volumes and bind mounts
 * @param env its {@code -e} entries, {@code KEY=VALUE} (the image's are not repeated)
 * @param labels its {@code --label}s
 * @param workdir its {@code -w} working directory, or null for the image's
 */
public record ContainerInspectReply(
    String id,
    String name,
    String image,
    String imageId,
    String created,
    List<MountItem> mounts,
    List<String> env,
    Map<String, String> labels,
    String workdir) {
  public ContainerInspectReply {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    env = env == null ? List.of() : List.copyOf(env);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** Without environment, labels or working directory. */
  public ContainerInspectReply(
      String id,
      String name,
      String image,
      String imageId,
      String created,
      List<MountItem> mounts) {
    this(id, name, image, imageId, created, mounts, null, null, null);
  }
}

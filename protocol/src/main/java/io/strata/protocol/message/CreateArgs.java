package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code container.create}. Mount specs travel as the user wrote them: the server
 * parses them, since bind sources are paths on its host.
 *
 * @param image the image: {@code name[:tag]}, an id, or a unique id prefix
 * @param name the container's name; null: a generated one
 * @param volumes {@code -v} specs: {@code NAME:/target[:ro]}, {@code /host/dir:/target[:ro]} or
 *     {@code /target} (an anonymous volume); null: none
 * @param mounts {@code --mount} specs: {@code type=volume|bind,source=S,target=T[,readonly]}; null:
 *     none
 * @param env {@code -e} entries, {@code KEY=VALUE}; null: none
 * @param labels {@code --label} entries, {@code KEY=VALUE} (a KEY alone has the value ""); null:
 *     none
 * @param workdir {@code -w}: the absolute working directory; null: the image's
 */
public record CreateArgs(
    String image,
    String name,
    List<String> volumes,
    List<String> mounts,
    List<String> env,
    List<String> labels,
    String workdir) {
  public CreateArgs {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    env = env == null ? List.of() : List.copyOf(env);
    labels = labels == null ? List.of() : List.copyOf(labels);
  }

  /** Without environment, labels or working directory. */
  public CreateArgs(String image, String name, List<String> volumes, List<String> mounts) {
    this(image, name, volumes, mounts, null, null, null);
  }
}

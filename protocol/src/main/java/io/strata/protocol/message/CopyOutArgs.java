package io.strata.protocol.message;

/**
 * Arguments of {@code container.cp-out}.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param path an absolute path inside it; volumes and bind mounts are routed to their host
 *     directories
 * @param followLink {@code cp -L}: if {@code path} is a symlink, what it leads to is copied, the
 *     links resolved inside the container's root, under the link's name; null: false
 */
public record CopyOutArgs(String container, String path, Boolean followLink) {
  /** A flag left out is false. */
  public CopyOutArgs {
    followLink = Boolean.TRUE.equals(followLink);
  }
}

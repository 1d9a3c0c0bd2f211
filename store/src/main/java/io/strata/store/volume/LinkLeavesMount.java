package io.strata.store.volume;

import io.strata.store.error.ConflictException;
import io.strata.store.fs.FileSystemView;
import java.util.List;

/**
 * A {@link HostDirectory}'s walk met a symlink that leads out of the directory: an absolute target,
 * or a {@code ..} above its root. The directory never follows it on the host; a container's view,
 * which knows where the directory is mounted, continues the path in the container's names from
 * here, as the kernel resolves it in the running container (a bind mount's {@code sub -> /etc}
 * makes {@code /b/sub/hostname} the container's {@code /etc/hostname}). Anyone else gets the
 * refusal, as before.
 */
public final class LinkLeavesMount extends ConflictException {
  private final transient HostDirectory directory;
  private final String walked;
  private final boolean absolute;
  private final List<String> names;

  /**
   * {@code directory}'s walk of {@code walked} left it; {@code names} are what is left to walk,
   * from the container's root if {@code absolute}, else from the mount's target (a leading {@code
   * ..} climbs above it).
   */
  LinkLeavesMount(
      String message,
      HostDirectory directory,
      String walked,
      boolean absolute,
      List<String> names) {
    super(message);
    this.directory = directory;
    this.walked = walked;
    this.absolute = absolute;
    this.names = List.copyOf(names);
  }

  /** Whether this came from {@code fs}'s walk of {@code path}, not another call's. */
  public boolean walking(FileSystemView fs, String path) {
    return fs == directory && walked.equals(path);
  }

  /** Whether the names left start at the container's root (an absolute link target). */
  public boolean absolute() {
    return absolute;
  }

  /** The names left to walk, {@code ..} included as met. */
  public List<String> names() {
    return names;
  }
}

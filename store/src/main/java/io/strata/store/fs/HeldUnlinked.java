package io.strata.store.fs;

import java.io.IOException;

/**
 * Removed files a mount keeps for a process that still has them open (docs/MOUNTS.md): the mount
 * renames such a file to {@code /.strata-unlinked-NODE} and marks it with the xattr {@link
 * #MARKER}, which a container's processes cannot set without {@code CAP_SYS_ADMIN}. Only a file
 * with both is the mount's: nothing shows it as the container's content (diff, commit, export, cp,
 * listings) and the mount removes it once the kernel lets go. A user's own file of that name is an
 * ordinary file.
 */
public final class HeldUnlinked {
  /** The name's start, in the root. */
  public static final String PREFIX = ".strata-unlinked-";

  /** The xattr that says the mount made it. */
  public static final String MARKER = "trusted.strata.unlinked";

  private HeldUnlinked() {}

  /** Whether {@code path} has the name of one (a name in the root starting with the prefix). */
  public static boolean named(String path) {
    return path.startsWith("/" + PREFIX) && path.indexOf('/', 1) < 0;
  }

  /** Whether {@code path} of {@code fs} is a removed file a mount keeps open. */
  public static boolean is(FileSystemView fs, String path) {
    if (!named(path)) {
      return false;
    }
    try {
      return fs.getXattr(path, MARKER) != null;
    } catch (IOException | RuntimeException gone) {
      return false; // removed meanwhile, or not there: nothing to hide
    }
  }
}

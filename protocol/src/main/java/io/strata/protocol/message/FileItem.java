package io.strata.protocol.message;

/**
 * One file inside a container: the answer of {@code fs.stat}, and a line of {@code fs.ls}.
 *
 * @param name its last path component ({@code /} for the root)
 * @param type {@code file}, {@code dir}, {@code symlink} or {@code other}
 * @param mode permission bits, as in {@code st_mode & 07777}
 * @param uid owner
 * @param gid group
 * @param size bytes of content (a symlink: its target's length)
 * @param nlink hard links
 * @param mtime modification time (ISO-8601, nanosecond precision)
 * @param linkTarget a symlink's target, else null
 */
public record FileItem(
    String name,
    String type,
    int mode,
    long uid,
    long gid,
    long size,
    long nlink,
    String mtime,
    String linkTarget) {
  /** A regular file. */
  public static final String FILE = "file";

  /** A directory. */
  public static final String DIR = "dir";

  /** A symbolic link. */
  public static final String SYMLINK = "symlink";

  /** Anything else (a device, a fifo). */
  public static final String OTHER = "other";
}

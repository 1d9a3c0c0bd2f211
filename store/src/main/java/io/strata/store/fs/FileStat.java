package io.strata.store.fs;

/**
 * What {@code stat} tells about one file, directory or link (not following a final symlink).
 *
 * @param ino the inode number within its snapshot
 * @param mode type and permission bits, as in {@code st_mode}
 * @param uid owner
 * @param gid group
 * @param nlink hard links
 * @param size bytes of content (a symlink: its target's length)
 * @param mtimeNanos modification time, nanoseconds since the epoch
 * @param atimeNanos access time
 * @param ctimeNanos change time
 * @param linkTarget a symlink's target, else null
 */
public record FileStat(
    long ino,
    int mode,
    int uid,
    int gid,
    int nlink,
    long size,
    long mtimeNanos,
    long atimeNanos,
    long ctimeNanos,
    String linkTarget) {
  public static final int S_IFMT = 0170000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFLNK = 0120000;

  public boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  public boolean isRegular() {
    return (mode & S_IFMT) == S_IFREG;
  }

  public boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  /** The permission bits (and setuid/setgid/sticky). */
  public int permissions() {
    return mode & 07777;
  }
}

package io.strata.store.fs;

/**
 * What {@code stat} tells about one file, directory, link, FIFO, socket or device node (not
 * following a final symlink).
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
 * @param rdev a character or block device's number, encoded as glibc's {@code makedev} encodes
 *     {@code st_rdev} ({@link #makedev}); 0 for every other type
 * @param allocatedBytes the storage the file takes ({@code st_blocks} * 512): below the size where
 *     a regular file has holes, else the size
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
    String linkTarget,
    long rdev,
    long allocatedBytes) {
  public static final int S_IFMT = 0170000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFSOCK = 0140000;

  /** A stat without a device number: anything but a character or block device. */
  public FileStat(
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
    this(ino, mode, uid, gid, nlink, size, mtimeNanos, atimeNanos, ctimeNanos, linkTarget, 0);
  }

  /** A stat whose storage is its size (no holes known). */
  public FileStat(
      long ino,
      int mode,
      int uid,
      int gid,
      int nlink,
      long size,
      long mtimeNanos,
      long atimeNanos,
      long ctimeNanos,
      String linkTarget,
      long rdev) {
    this(
        ino,
        mode,
        uid,
        gid,
        nlink,
        size,
        mtimeNanos,
        atimeNanos,
        ctimeNanos,
        linkTarget,
        rdev,
        size);
  }

  /** This stat with {@code bytes} of storage. */
  public FileStat withAllocatedBytes(long bytes) {
    return new FileStat(
        ino,
        mode,
        uid,
        gid,
        nlink,
        size,
        mtimeNanos,
        atimeNanos,
        ctimeNanos,
        linkTarget,
        rdev,
        bytes);
  }

  /**
   * The device number of {@code major} and {@code minor} as glibc encodes {@code dev_t} (and the
   * kernel's {@code new_encode_dev} for majors below 4096 and minors below 2^20).
   */
  public static long makedev(int major, int minor) {
    long ma = major & 0xFFFFFFFFL;
    long mi = minor & 0xFFFFFFFFL;
    return ((ma & 0xFFFL) << 8)
        | ((ma & 0xFFFFF000L) << 32)
        | (mi & 0xFFL)
        | ((mi & 0xFFFFFF00L) << 12);
  }

  /** The major number of device number {@code dev} ({@link #makedev}'s encoding). */
  public static int major(long dev) {
    return (int) (((dev >>> 8) & 0xFFFL) | ((dev >>> 32) & 0xFFFFF000L));
  }

  /** The minor number of device number {@code dev}. */
  public static int minor(long dev) {
    return (int) ((dev & 0xFFL) | ((dev >>> 12) & 0xFFFFFF00L));
  }

  public boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  public boolean isRegular() {
    return (mode & S_IFMT) == S_IFREG;
  }

  public boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  public boolean isFifo() {
    return (mode & S_IFMT) == S_IFIFO;
  }

  public boolean isSocket() {
    return (mode & S_IFMT) == S_IFSOCK;
  }

  public boolean isCharDevice() {
    return (mode & S_IFMT) == S_IFCHR;
  }

  public boolean isBlockDevice() {
    return (mode & S_IFMT) == S_IFBLK;
  }

  /** A device's major number (0 for anything else). */
  public int devMajor() {
    return major(rdev);
  }

  /** A device's minor number (0 for anything else). */
  public int devMinor() {
    return minor(rdev);
  }

  /** The permission bits (and setuid/setgid/sticky). */
  public int permissions() {
    return mode & 07777;
  }
}

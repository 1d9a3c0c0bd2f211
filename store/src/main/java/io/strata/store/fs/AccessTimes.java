package io.strata.store.fs;

/**
 * When a read changes a file's access time: the file system's atime setting, as ZFS's {@code atime}
 * and {@code relatime} properties and Linux's {@code noatime}, {@code relatime} and {@code
 * strictatime} mount options set it. A read that changes it never changes the change time (ctime),
 * as in both. The rule is the layout's ({@link FileLayout#accessTimes}); the file system keeps what
 * reads set in memory and writes it with the next change or sync (see {@link TreeFileSystem}).
 */
public enum AccessTimes {
  /** Reads never change it: ZFS {@code atime=off}, {@code noatime}. */
  NEVER,
  /**
   * A read changes it only when it is not after the modification or change time, or is a day old:
   * ZFS {@code relatime=on}, Linux's default {@code relatime} (the rule of the kernel's {@code
   * relatime_need_update}).
   */
  RELATIVE,
  /** Every read changes it: ZFS {@code atime=on} with {@code relatime=off}, {@code strictatime}. */
  EVERY_READ;

  /** How old an access time {@link #RELATIVE} updates anyway: a day, as Linux and ZFS. */
  public static final long DAY_NANOS = 86_400L * 1_000_000_000L;

  /** Whether a read at {@code now} changes the access time of a file with these times (nanos). */
  public boolean changes(long atime, long mtime, long ctime, long now) {
    return switch (this) {
      case NEVER -> false;
      case EVERY_READ -> atime != now;
      case RELATIVE -> mtime >= atime || ctime >= atime || now - atime >= DAY_NANOS;
    };
  }
}

package io.strata.store.fs;

import io.strata.store.error.CorruptDataException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An inode's attributes as stored in its INODE item.
 *
 * <pre>
 * value := u8 version(=1) u32 mode u32 uid u32 gid u32 nlink u64 size
 *          u64 mtime u64 atime u64 ctime (nanoseconds) u16 targetLength target
 *        | u8 version(=2) (the same fields) u32 devMajor u32 devMinor
 * </pre>
 *
 * Version 2 is written for character and block devices only, everything else stays version 1: the
 * INODE items of trees without devices are the bytes they always were (so their nodes, digests and
 * diff_ids do not change), and a release that knows only version 1 still reads them. A version 1
 * item has device number 0.
 */
record Inode(
    int mode,
    int uid,
    int gid,
    int nlink,
    long size,
    long mtime,
    long atime,
    long ctime,
    String target,
    long rdev) {
  private static final int V1_LENGTH = 51;

  /** An inode without a device number. */
  Inode(
      int mode,
      int uid,
      int gid,
      int nlink,
      long size,
      long mtime,
      long atime,
      long ctime,
      String target) {
    this(mode, uid, gid, nlink, size, mtime, atime, ctime, target, 0);
  }

  private boolean isDevice() {
    int type = mode & FileStat.S_IFMT;
    return type == FileStat.S_IFCHR || type == FileStat.S_IFBLK;
  }

  byte[] encode() {
    byte[] t = target == null ? new byte[0] : target.getBytes(StandardCharsets.UTF_8);
    boolean device = isDevice();
    ByteBuffer b =
        ByteBuffer.allocate(V1_LENGTH + t.length + (device ? 8 : 0))
            .put((byte) (device ? 2 : 1))
            .putInt(mode)
            .putInt(uid)
            .putInt(gid)
            .putInt(nlink)
            .putLong(size)
            .putLong(mtime)
            .putLong(atime)
            .putLong(ctime)
            .putShort((short) t.length)
            .put(t);
    if (device) {
      b.putInt(FileStat.major(rdev)).putInt(FileStat.minor(rdev));
    }
    return b.array();
  }

  /**
   * Whether two encoded INODE items differ in the link count and change time alone: what another
   * name's coming or going does to a hard-linked file, which is no change of the file itself.
   */
  static boolean differInLinksOnly(byte[] a, byte[] b) {
    if (a.length != b.length || a.length < V1_LENGTH) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      boolean nlink = i >= NLINK_AT && i < NLINK_AT + 4;
      boolean ctime = i >= CTIME_AT && i < CTIME_AT + 8;
      if (a[i] != b[i] && !nlink && !ctime) {
        return false;
      }
    }
    return true;
  }

  private static final int NLINK_AT = 13; // after the version, mode, uid and gid
  private static final int CTIME_AT = 41; // after nlink, size, mtime and atime

  static Inode decode(byte[] v, long ino) {
    ByteBuffer b = ByteBuffer.wrap(v);
    int version = v.length < V1_LENGTH ? 0 : b.get();
    if (version != 1 && version != 2) {
      throw new CorruptDataException(
          "inode " + ino + ": damaged attributes (version " + version + ")", "inode " + ino);
    }
    int mode = b.getInt();
    int uid = b.getInt();
    int gid = b.getInt();
    int nlink = b.getInt();
    long size = b.getLong();
    long mtime = b.getLong();
    long atime = b.getLong();
    long ctime = b.getLong();
    int targetLength = b.getShort() & 0xFFFF;
    if (b.remaining() != targetLength + (version == 2 ? 8 : 0)) {
      throw new CorruptDataException(
          "inode " + ino + ": damaged attributes (" + v.length + " bytes)", "inode " + ino);
    }
    byte[] t = new byte[targetLength];
    b.get(t);
    long rdev = version == 2 ? FileStat.makedev(b.getInt(), b.getInt()) : 0;
    String target =
        (mode & FileStat.S_IFMT) == FileStat.S_IFLNK ? new String(t, StandardCharsets.UTF_8) : null;
    return new Inode(mode, uid, gid, nlink, size, mtime, atime, ctime, target, rdev);
  }

  FileStat stat(long ino) {
    return new FileStat(ino, mode, uid, gid, nlink, size, mtime, atime, ctime, target, rdev);
  }

  Inode withSize(long s, long now) {
    return new Inode(mode, uid, gid, nlink, s, now, atime, now, target, rdev);
  }

  Inode withMode(int m, long now) {
    return new Inode(
        (mode & FileStat.S_IFMT) | (m & 07777),
        uid,
        gid,
        nlink,
        size,
        mtime,
        atime,
        now,
        target,
        rdev);
  }

  Inode withOwner(int u, int g, long now) {
    return new Inode(mode, u, g, nlink, size, mtime, atime, now, target, rdev);
  }

  Inode withTimes(long m, long a, long now) {
    return new Inode(mode, uid, gid, nlink, size, m, a, now, target, rdev);
  }

  /** The same attributes with access time {@code a}; the change time stays. */
  Inode withAtime(long a) {
    return new Inode(mode, uid, gid, nlink, size, mtime, a, ctime, target, rdev);
  }

  Inode withLinks(int n, long now) {
    return new Inode(mode, uid, gid, n, size, mtime, atime, now, target, rdev);
  }

  /** A directory's counts (see {@link DirectoryCounts}) with an entry added or removed. */
  Inode withEntry(long weight, boolean subdirectory, int sign) {
    return new Inode(
        mode,
        uid,
        gid,
        Math.max(2, nlink + (subdirectory ? sign : 0)),
        Math.max(0, size + sign * weight),
        mtime,
        atime,
        ctime,
        target,
        rdev);
  }

  Inode touched(long now) {
    return new Inode(mode, uid, gid, nlink, size, now, atime, now, target, rdev);
  }
}

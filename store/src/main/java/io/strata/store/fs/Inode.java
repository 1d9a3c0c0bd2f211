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
 * </pre>
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
    String target) {

  byte[] encode() {
    byte[] t = target == null ? new byte[0] : target.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(51 + t.length)
        .put((byte) 1)
        .putInt(mode)
        .putInt(uid)
        .putInt(gid)
        .putInt(nlink)
        .putLong(size)
        .putLong(mtime)
        .putLong(atime)
        .putLong(ctime)
        .putShort((short) t.length)
        .put(t)
        .array();
  }

  static Inode decode(byte[] v, long ino) {
    ByteBuffer b = ByteBuffer.wrap(v);
    if (v.length < 51 || b.get() != 1) {
      throw new CorruptDataException("inode " + ino + ": damaged attributes", "inode " + ino);
    }
    int mode = b.getInt();
    int uid = b.getInt();
    int gid = b.getInt();
    int nlink = b.getInt();
    long size = b.getLong();
    long mtime = b.getLong();
    long atime = b.getLong();
    long ctime = b.getLong();
    byte[] t = new byte[b.getShort() & 0xFFFF];
    b.get(t);
    String target =
        (mode & FileStat.S_IFMT) == FileStat.S_IFLNK ? new String(t, StandardCharsets.UTF_8) : null;
    return new Inode(mode, uid, gid, nlink, size, mtime, atime, ctime, target);
  }

  FileStat stat(long ino) {
    return new FileStat(ino, mode, uid, gid, nlink, size, mtime, atime, ctime, target);
  }

  Inode withSize(long s, long now) {
    return new Inode(mode, uid, gid, nlink, s, now, atime, now, target);
  }

  Inode withMode(int m, long now) {
    return new Inode(
        (mode & FileStat.S_IFMT) | (m & 07777), uid, gid, nlink, size, mtime, atime, now, target);
  }

  Inode withOwner(int u, int g, long now) {
    return new Inode(mode, u, g, nlink, size, mtime, atime, now, target);
  }

  Inode withTimes(long m, long a, long now) {
    return new Inode(mode, uid, gid, nlink, size, m, a, now, target);
  }

  Inode withLinks(int n, long now) {
    return new Inode(mode, uid, gid, n, size, mtime, atime, now, target);
  }

  Inode touched(long now) {
    return new Inode(mode, uid, gid, nlink, size, now, atime, now, target);
  }
}

package io.strata.fuse;

import io.strata.store.fs.FileStat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A reply being written into a reading thread's output buffer: the 16-byte header (length, error,
 * the request's unique id), then the fixed structures and data of the answer. {@link #done} fills
 * in the length; the buffer from 0 to its position is what goes to {@code /dev/fuse}, in one write.
 */
final class FuseReply {
  final ByteBuffer buf;

  FuseReply(ByteBuffer buf) {
    this.buf = buf.order(ByteOrder.nativeOrder());
  }

  /** Starts the successful answer to request {@code unique}. */
  FuseReply ok(long unique) {
    buf.clear();
    buf.putInt(0).putInt(0).putLong(unique);
    return this;
  }

  /** The whole answer to request {@code unique}: error number {@code errno} (positive). */
  FuseReply error(long unique, int errno) {
    buf.clear();
    buf.putInt(Wire.OUT_HEADER).putInt(-errno).putLong(unique);
    return this;
  }

  /** Ends the reply: the header's length is what was written. */
  FuseReply done() {
    buf.putInt(0, buf.position());
    return this;
  }

  /** Room left for data after what is written. */
  int room() {
    return buf.capacity() - buf.position();
  }

  FuseReply u16(int v) {
    buf.putShort((short) v);
    return this;
  }

  FuseReply u32(int v) {
    buf.putInt(v);
    return this;
  }

  FuseReply u64(long v) {
    buf.putLong(v);
    return this;
  }

  FuseReply zeros(int n) {
    for (int i = 0; i < n; i++) {
      buf.put((byte) 0);
    }
    return this;
  }

  FuseReply bytes(byte[] b, int off, int len) {
    buf.put(b, off, len);
    return this;
  }

  /** {@code struct fuse_attr} for {@code s}. */
  FuseReply attr(FileStat s, int blksize) {
    buf.putLong(s.ino());
    buf.putLong(s.size());
    buf.putLong((s.allocatedBytes() + 511) / 512); // st_blocks: holes take none
    buf.putLong(Math.floorDiv(s.atimeNanos(), 1_000_000_000L));
    buf.putLong(Math.floorDiv(s.mtimeNanos(), 1_000_000_000L));
    buf.putLong(Math.floorDiv(s.ctimeNanos(), 1_000_000_000L));
    buf.putInt((int) Math.floorMod(s.atimeNanos(), 1_000_000_000L));
    buf.putInt((int) Math.floorMod(s.mtimeNanos(), 1_000_000_000L));
    buf.putInt((int) Math.floorMod(s.ctimeNanos(), 1_000_000_000L));
    buf.putInt(s.mode());
    buf.putInt(s.nlink());
    buf.putInt(s.uid());
    buf.putInt(s.gid());
    buf.putInt(encodeDev(s.rdev()));
    buf.putInt(blksize);
    buf.putInt(0);
    return this;
  }

  /**
   * {@code struct fuse_entry_out}: node id 0 with an entry timeout is a cached "no such name";
   * timeouts in milliseconds.
   */
  FuseReply entry(long nodeId, FileStat s, long entryMillis, long attrMillis, int blksize) {
    buf.putLong(nodeId);
    buf.putLong(0); // generation: node ids are never reused within a mount
    buf.putLong(entryMillis / 1000);
    buf.putLong(attrMillis / 1000);
    buf.putInt((int) (entryMillis % 1000) * 1_000_000);
    buf.putInt((int) (attrMillis % 1000) * 1_000_000);
    if (s == null) {
      return zeros(Wire.ATTR);
    }
    return attr(s, blksize);
  }

  /** {@code struct fuse_attr_out}. */
  FuseReply attrOut(FileStat s, long attrMillis, int blksize) {
    buf.putLong(attrMillis / 1000);
    buf.putInt((int) (attrMillis % 1000) * 1_000_000);
    buf.putInt(0);
    return attr(s, blksize);
  }

  /**
   * One {@code struct fuse_dirent} (name, inode number, type, the offset of the next entry), padded
   * to 8 bytes; false, writing nothing, when it does not fit in {@code limit} bytes of reply.
   */
  boolean dirent(byte[] name, long ino, int mode, long nextOffset, int limit) {
    int size = direntSize(name.length);
    if (buf.position() + size > limit) {
      return false;
    }
    buf.putLong(ino);
    buf.putLong(nextOffset);
    buf.putInt(name.length);
    buf.putInt((mode & FileStat.S_IFMT) >>> 12);
    buf.put(name);
    zeros(size - Wire.DIRENT_HEADER - name.length);
    return true;
  }

  /** The bytes a dirent with a name of {@code nameLength} bytes takes. */
  static int direntSize(int nameLength) {
    return (Wire.DIRENT_HEADER + nameLength + 7) & ~7;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A device number in the kernel's 32-bit {@code new_encode_dev} form, from glibc's 64-bit {@code
   * makedev} form the store keeps: they agree for majors below 4096 and minors below 2^20.
   */
  static int encodeDev(long rdev) {
    long major = FileStat.major(rdev) & 0xFFFL;
    long minor = FileStat.minor(rdev) & 0xFFFFFL;
    return (int) ((minor & 0xFF) | (major << 8) | ((minor & ~0xFFL) << 12));
  }

  /** The inverse of {@link #encodeDev}: a device number as MKNOD brings it, in glibc's form. */
  static long decodeDev(int dev) {
    long d = dev & 0xFFFFFFFFL;
    int major = (int) ((d >>> 8) & 0xFFF);
    int minor = (int) ((d & 0xFF) | ((d >>> 12) & 0xFFF00));
    return FileStat.makedev(major, minor);
  }
}

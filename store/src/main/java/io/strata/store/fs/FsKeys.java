package io.strata.store.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The tree keys of a file system, laid out as Btrfs lays out its items: the inode number first, so
 * everything about one file is adjacent, then the item type, then a type-specific suffix.
 *
 * <pre>
 * key := u64 ino u8 type suffix
 *   INODE   (1)  -                    the inode's attributes
 *   DIRENT  (2)  name                 a name in directory ino → child ino
 *   BACKREF (3)  u64 parent name      a name that refers to ino (one per hard link)
 *   XATTR   (4)  name                 an extended attribute
 *   DATA    (5)  u64 key              the layout's content items (extents or records)
 *   ATIME   (6)  -                    the access time a read set (u8 version(=1) u64 nanoseconds):
 *                                     it overrides the INODE item's, which stays as it was, so a
 *                                     read changes no item a diff of two trees compares
 * ino 0, type 0: the file system's own counters (next inode number)
 * </pre>
 */
final class FsKeys {
  static final byte META = 0;
  static final byte INODE = 1;
  static final byte DIRENT = 2;
  static final byte BACKREF = 3;
  static final byte XATTR = 4;
  static final byte DATA = 5;
  static final byte ATIME = 6;

  private FsKeys() {}

  static byte[] key(long ino, byte type) {
    return ByteBuffer.allocate(9).putLong(ino).put(type).array();
  }

  static byte[] key(long ino, byte type, byte[] suffix) {
    return ByteBuffer.allocate(9 + suffix.length).putLong(ino).put(type).put(suffix).array();
  }

  static byte[] key(long ino, byte type, long n) {
    return ByteBuffer.allocate(17).putLong(ino).put(type).putLong(n).array();
  }

  static byte[] backref(long ino, long parent, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(17 + n.length)
        .putLong(ino)
        .put(BACKREF)
        .putLong(parent)
        .put(n)
        .array();
  }

  /** The first key after every key of type {@code type} of {@code ino}. */
  static byte[] end(long ino, byte type) {
    return key(ino, (byte) (type + 1));
  }

  static long ino(byte[] key) {
    return ByteBuffer.wrap(key).getLong();
  }

  static byte type(byte[] key) {
    return key[8];
  }

  static String suffixName(byte[] key) {
    return new String(key, 9, key.length - 9, StandardCharsets.UTF_8);
  }

  static long suffixLong(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  static long backrefParent(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  static String backrefName(byte[] key) {
    return new String(key, 17, key.length - 17, StandardCharsets.UTF_8);
  }
}

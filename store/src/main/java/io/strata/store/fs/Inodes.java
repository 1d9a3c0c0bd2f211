package io.strata.store.fs;

import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.tree.CowTree;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The file model's inodes: their INODE items (attributes), their numbering (the counter in the META
 * item), their extended attributes, and what {@code stat} shows of them (a directory's link count
 * and size as the driver's file system reports them). Knows nothing of names or paths.
 *
 * <p>Guarded by {@link TreeFileSystem}'s lock: the reads under its read lock, the changes under its
 * write lock.
 */
final class Inodes {
  private final DurableTree tree;
  private final DirectoryCounts counts;

  Inodes(DurableTree tree, DirectoryCounts counts) {
    this.tree = tree;
    this.counts = counts;
  }

  /** The attributes of {@code ino}, which must exist: a missing one is a damaged tree. */
  Inode get(long ino) {
    byte[] v = tree.get(FsKeys.key(ino, FsKeys.INODE));
    if (v == null) {
      throw new CorruptDataException("inode " + ino + " is missing", "inode " + ino);
    }
    return Inode.decode(v, ino);
  }

  /** The attributes of {@code ino} if it exists and is a regular file, else null. */
  Inode regularOrNull(long ino) {
    byte[] v = tree.get(FsKeys.key(ino, FsKeys.INODE));
    if (v == null) {
      return null;
    }
    Inode in = Inode.decode(v, ino);
    return (in.mode() & FileStat.S_IFMT) == FileStat.S_IFREG ? in : null;
  }

  void put(long ino, Inode in) {
    tree.put(FsKeys.key(ino, FsKeys.INODE), in.encode());
  }

  /** What {@code stat} shows of inode {@code ino}: a directory's counts as the driver's. */
  FileStat stat(long ino, Inode in) {
    FileStat st = in.stat(ino);
    if (!st.isDirectory()) {
      return st;
    }
    return new FileStat(
        ino,
        st.mode(),
        st.uid(),
        st.gid(),
        counts.nlink(st.nlink()),
        counts.size(st.size()),
        st.mtimeNanos(),
        st.atimeNanos(),
        st.ctimeNanos(),
        null,
        0);
  }

  boolean isDirectory(long ino) {
    return get(ino).stat(ino).isDirectory();
  }

  /** The attributes of {@code ino}, which must be a regular file ({@code path} names it). */
  Inode regular(long ino, String path) {
    Inode in = get(ino);
    if (!in.stat(ino).isRegular()) {
      throw new InvalidArgumentException("path " + path + ": not a regular file");
    }
    return in;
  }

  /** Throws unless {@code ino}, the parent of {@code path}, is a directory. */
  void requireDir(long ino, String path) {
    if (!isDirectory(ino)) {
      throw new NotFoundException("path " + path + " not found: its parent is not a directory");
    }
  }

  /** A new inode with attributes {@code in}; returns its number. */
  long add(Inode in) {
    byte[] metaKey = FsKeys.key(0, FsKeys.META);
    long ino = ByteBuffer.wrap(tree.get(metaKey)).getLong();
    tree.put(metaKey, ByteBuffer.allocate(8).putLong(ino + 1).array());
    put(ino, in);
    return ino;
  }

  /** Updates directory {@code dir}'s entry counts for its entry {@code name} added or removed. */
  void counted(long dir, String name, boolean subdirectory, int sign) {
    put(dir, get(dir).withEntry(counts.weight(name), subdirectory, sign));
  }

  /** Sets a directory's modification and change times to {@code now}. */
  void touch(long dir, long now) {
    put(dir, get(dir).touched(now));
  }

  /** Removes inode {@code ino} and every item it has: attributes, xattrs, content. */
  void drop(long ino) {
    List<byte[]> keys = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(ino, FsKeys.INODE), FsKeys.key(ino + 1, FsKeys.META))) {
      keys.add(e.key());
    }
    for (byte[] k : keys) {
      tree.delete(k);
    }
  }

  // ---- access times set by reads (ATIME items) ----

  /** The access time of {@code ino}: the one a read set (its ATIME item), else its inode's. */
  long atime(long ino, Inode in) {
    byte[] v = tree.get(FsKeys.key(ino, FsKeys.ATIME));
    if (v == null) {
      return in.atime();
    }
    if (v.length != 9 || v[0] != 1) {
      throw new CorruptDataException(
          "inode " + ino + ": damaged access time (" + v.length + " bytes)", "inode " + ino);
    }
    return ByteBuffer.wrap(v, 1, 8).getLong();
  }

  /** Records the access time a read set, unless {@code ino} is gone since. */
  void putAtime(long ino, long atime) {
    if (tree.get(FsKeys.key(ino, FsKeys.INODE)) != null) {
      tree.put(
          FsKeys.key(ino, FsKeys.ATIME),
          ByteBuffer.allocate(9).put((byte) 1).putLong(atime).array());
    }
  }

  /** Drops the access time a read set: the inode's own is set explicitly. */
  void clearAtime(long ino) {
    if (tree.get(FsKeys.key(ino, FsKeys.ATIME)) != null) {
      tree.delete(FsKeys.key(ino, FsKeys.ATIME));
    }
  }

  // ---- extended attributes ----

  byte[] xattr(long ino, String name) {
    return tree.get(FsKeys.key(ino, FsKeys.XATTR, bytes(name)));
  }

  List<String> xattrNames(long ino) {
    List<String> out = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(ino, FsKeys.XATTR), FsKeys.end(ino, FsKeys.XATTR))) {
      out.add(FsKeys.suffixName(e.key()));
    }
    return out;
  }

  void setXattr(long ino, String name, byte[] value) {
    tree.put(FsKeys.key(ino, FsKeys.XATTR, bytes(name)), value.clone());
  }

  void removeXattr(long ino, String name) {
    tree.delete(FsKeys.key(ino, FsKeys.XATTR, bytes(name)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

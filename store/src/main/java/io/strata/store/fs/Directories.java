package io.strata.store.fs;

import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.NotFoundException;
import io.strata.store.tree.CowTree;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Lookup's half of the tree: names to inodes. A directory's entries are its DIRENT items (name →
 * child inode), and every name an inode has is also a BACKREF item of that inode (parent, name), so
 * an inode's path and parent are found without a search, and a hard link is one more pair. Adding
 * and removing names keeps both sides and the directory's entry counts together; an inode goes with
 * its last name.
 *
 * <p>Guarded by {@link TreeFileSystem}'s lock: lookups under its read lock, changes under its write
 * lock.
 */
final class Directories {
  /** The root directory's inode number. */
  static final long ROOT = 1;

  private final DurableTree tree;
  private final Inodes inodes;
  private final LongSupplier clock;

  Directories(DurableTree tree, Inodes inodes, LongSupplier clock) {
    this.tree = tree;
    this.inodes = inodes;
    this.clock = clock;
  }

  /** The inode named {@code name} in directory {@code dir}, or -1. */
  long lookup(long dir, String name) {
    byte[] v = tree.get(FsKeys.key(dir, FsKeys.DIRENT, bytes(name)));
    return v == null ? -1 : ByteBuffer.wrap(v).getLong();
  }

  /** Moves whenever a name leaves a directory or the tree goes back: see {@link PathResolver}. */
  long namesGeneration() {
    return tree.namesGeneration();
  }

  /** The entries of directory {@code dir} with their attributes, sorted by name. */
  List<DirEntry> list(long dir, EntryStat stat) {
    List<DirEntry> out = new ArrayList<>();
    for (CowTree.Entry e : entries(dir)) {
      long child = ByteBuffer.wrap(e.value()).getLong();
      out.add(new DirEntry(FsKeys.suffixName(e.key()), stat.of(child, inodes.get(child))));
    }
    return out;
  }

  /** What a listing says of each entry's inode. */
  interface EntryStat {
    FileStat of(long ino, Inode in);
  }

  private Iterable<CowTree.Entry> entries(long dir) {
    return tree.scan(FsKeys.key(dir, FsKeys.DIRENT), FsKeys.end(dir, FsKeys.DIRENT));
  }

  /** The directory holding inode {@code ino}'s first name; the root for the root. */
  long parentOf(long ino) {
    var it = tree.scan(FsKeys.key(ino, FsKeys.BACKREF), FsKeys.end(ino, FsKeys.BACKREF)).iterator();
    return it.hasNext() ? FsKeys.backrefParent(it.next().key()) : ROOT;
  }

  /** The path of inode {@code ino} (its first name, for hard links), from its back-references. */
  String pathOf(long ino) {
    Deque<String> parts = new ArrayDeque<>();
    long cur = ino;
    for (int depth = 0; cur != ROOT; depth++) {
      if (depth > PathNames.MAX_PATH) {
        throw new CorruptDataException(
            "inode " + ino + ": its back-references loop", "inode " + ino);
      }
      var it = tree.scan(FsKeys.key(cur, FsKeys.BACKREF), FsKeys.end(cur, FsKeys.BACKREF));
      var first = it.iterator();
      if (!first.hasNext()) {
        throw new NotFoundException("inode " + ino + " has no name");
      }
      byte[] k = first.next().key();
      parts.push(FsKeys.backrefName(k));
      cur = FsKeys.backrefParent(k);
    }
    return "/" + String.join("/", parts);
  }

  /** Every path of inode {@code ino}: one per name a hard-linked file has, in key order. */
  List<String> pathsOf(long ino) {
    List<String> out = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(ino, FsKeys.BACKREF), FsKeys.end(ino, FsKeys.BACKREF))) {
      long parent = FsKeys.backrefParent(e.key());
      String dir = parent == ROOT ? "/" : pathOf(parent);
      out.add(PathNames.child(dir, FsKeys.backrefName(e.key())));
    }
    return out;
  }

  // ---- changes ----

  /** A new inode {@code in} named {@code r.name()} in {@code r.parent()}; its number. */
  long create(Resolved r, String path, Inode in) {
    inodes.requireDir(r.parent(), path);
    PathNames.checkName(r.name(), path);
    long ino = inodes.add(in);
    addName(r.parent(), r.name(), ino);
    inodes.touch(r.parent(), clock.getAsLong());
    return ino;
  }

  /** Names inode {@code ino} {@code name} in {@code parent} (the caller counts its links). */
  void addName(long parent, String name, long ino) {
    tree.put(
        FsKeys.key(parent, FsKeys.DIRENT, bytes(name)),
        ByteBuffer.allocate(8).putLong(ino).array());
    tree.put(FsKeys.backref(ino, parent, name), new byte[0]);
    inodes.counted(parent, name, inodes.isDirectory(ino), 1);
  }

  /** Takes the name {@code name} in {@code parent} from inode {@code ino}, nothing else. */
  void removeName(long parent, String name, long ino) {
    tree.namesChanged();
    tree.delete(FsKeys.key(parent, FsKeys.DIRENT, bytes(name)));
    tree.delete(FsKeys.backref(ino, parent, name));
    inodes.counted(parent, name, inodes.isDirectory(ino), -1);
  }

  /** Removes one name of {@code ino}; the inode and its items go with its last name. */
  void unlink(long parent, String name, long ino) {
    removeName(parent, name, ino);
    inodes.touch(parent, clock.getAsLong());
    Inode in = inodes.get(ino);
    if (!in.stat(ino).isDirectory() && in.nlink() > 1) {
      inodes.put(ino, in.withLinks(in.nlink() - 1, clock.getAsLong()));
      return;
    }
    inodes.drop(ino);
  }

  /**
   * Removes the name {@code name} of {@code ino} and, for a directory, what it holds if {@code
   * recursive}; a directory that holds anything otherwise is refused.
   */
  void removeTree(long parent, String name, long ino, boolean recursive, String path) {
    if (inodes.isDirectory(ino)) {
      List<byte[]> children = new ArrayList<>();
      for (CowTree.Entry e : entries(ino)) {
        children.add(e.key());
      }
      if (!children.isEmpty() && !recursive) {
        throw new ConflictException("path " + path + ": directory not empty");
      }
      for (byte[] k : children) {
        String child = FsKeys.suffixName(k);
        long cino = ByteBuffer.wrap(tree.get(k)).getLong();
        removeTree(ino, child, cino, true, path + "/" + child);
      }
    }
    unlink(parent, name, ino);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

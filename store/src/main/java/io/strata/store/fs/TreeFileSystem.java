package io.strata.store.fs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.tree.ChunkNodeStore;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;
import org.roaringbitmap.RoaringBitmap;

/**
 * A POSIX-like file system kept in a {@link CowTree}: inodes, directory entries, back-references
 * for hard links, extended attributes, and content items laid out by the driver's {@link
 * FileLayout}. Shared by every driver; what differs between them is the layout and how snapshots
 * are named and related.
 *
 * <p>Each change runs against the in-memory tree and is then made durable through the {@link
 * Binding} (tree nodes flushed, the owner's root updated by a small delta). A change that fails
 * half-way is rolled back to the last durable state, so a refused operation leaves nothing behind.
 */
public final class TreeFileSystem implements FileSystemView {
  /** The root directory's inode number. */
  public static final long ROOT = 1;

  private static final int MAX_SYMLINK_HOPS = 40;

  /** Makes a change durable: the owner records the new tree root and chunk deltas. */
  @FunctionalInterface
  public interface Binding {
    void commit(WriteSession session, Digest root, RoaringBitmap added, RoaringBitmap released)
        throws IOException;
  }

  /**
   * A freshly formatted tree.
   *
   * @param root its root node
   * @param chunks the chunks it is made of
   */
  public record Formatted(Digest root, RoaringBitmap chunks) {}

  private final ChunkAccess chunks;
  private final NodeCache cache;
  private final FileLayout layout;
  private final boolean readOnly;
  private final Binding binding;
  private final LongSupplier clock;
  private final ChunkNodeStore nodes;
  private final RoaringBitmap dataAdded = new RoaringBitmap();
  private Digest committedRoot;
  private CowTree tree;
  private WriteSession session;
  private boolean defer;

  public TreeFileSystem(
      ChunkAccess chunks,
      NodeCache cache,
      Digest root,
      FileLayout layout,
      boolean readOnly,
      Binding binding,
      LongSupplier clock) {
    this.chunks = chunks;
    this.cache = cache;
    this.layout = layout;
    this.readOnly = readOnly;
    this.binding = binding;
    this.clock = clock;
    this.nodes = new ChunkNodeStore(chunks, null);
    this.committedRoot = root;
    this.tree = new CowTree(nodes, cache, root);
  }

  /** Writes an empty file system (a root directory, mode 0755) in {@code session}. */
  public static Formatted format(
      ChunkAccess chunks, NodeCache cache, WriteSession session, long nowNanos) {
    ChunkNodeStore nodes = new ChunkNodeStore(chunks, session);
    CowTree t = new CowTree(nodes, cache, null);
    t.put(FsKeys.key(0, FsKeys.META), ByteBuffer.allocate(8).putLong(ROOT + 1).array());
    t.put(
        FsKeys.key(ROOT, FsKeys.INODE),
        new Inode(FileStat.S_IFDIR | 0755, 0, 0, 2, 0, nowNanos, nowNanos, nowNanos, null)
            .encode());
    Digest d = t.flush();
    return new Formatted(d, nodes.drainAdded());
  }

  /**
   * Every chunk the tree rooted at {@code root} references: its nodes, and the chunks named by its
   * DATA items (whose values start with a digest, by the {@link FileLayout} contract). Reads every
   * node once; the cost follows the tree's size.
   */
  public static RoaringBitmap referencedChunks(ChunkAccess chunks, NodeCache cache, Digest root) {
    ChunkNodeStore nodes = new ChunkNodeStore(chunks, null);
    CowTree t = new CowTree(nodes, cache, root);
    RoaringBitmap out = new RoaringBitmap();
    t.forEachNode(d -> addId(chunks, d, out));
    for (CowTree.Entry e : t.scan(new byte[0], null)) {
      if (FsKeys.type(e.key()) == FsKeys.DATA
          && e.key().length == 17
          && e.value().length >= Digest.LENGTH) {
        addId(chunks, Digest.of(e.value(), 0), out);
      }
    }
    out.runOptimize();
    return out;
  }

  private static void addId(ChunkAccess chunks, Digest d, RoaringBitmap out) {
    int id = chunks.idOf(d);
    if (id < 0) {
      throw new CorruptDataException(
          "chunk " + d + " of a tree is missing from the store", d.toString());
    }
    out.add(id);
  }

  /**
   * Runs {@code work} with this file system's changes held off and its state durable, so that the
   * committed root is exactly what the store holds.
   */
  public synchronized void quiesced(Change work) throws IOException {
    sync();
    work.run();
  }

  /**
   * Makes {@code root} this file system's state, as if it had been opened on it: what the owner
   * does after replacing the snapshot's tree (a rollback), inside {@link #quiesced}, so that
   * holders of this object see the new tree and never write the old one back.
   */
  public synchronized void reload(Digest root) {
    rollback();
    committedRoot = root;
    tree = new CowTree(nodes, cache, root);
  }

  /** The root of the last durable state. */
  public synchronized Digest committedRoot() {
    return committedRoot;
  }

  /** The tree (for diffs); callers must not change it. */
  public synchronized CowTree tree() {
    return tree;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  // ---- reading ----

  @Override
  public synchronized FileStat stat(String path) {
    Resolved r = resolve(path, false);
    return stat(r.existing(path), inode(r.ino));
  }

  /** What {@code stat} shows of an inode: a directory's counts as the driver's file system. */
  private FileStat stat(long ino, Inode in) {
    FileStat st = in.stat(ino);
    if (!st.isDirectory()) {
      return st;
    }
    DirectoryCounts counts = layout.directories();
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

  @Override
  public synchronized boolean exists(String path) {
    try {
      return resolve(path, false).ino >= 0;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public synchronized List<DirEntry> list(String path) {
    long dir = resolve(path, true).existing(path);
    if (!inode(dir).stat(dir).isDirectory()) {
      throw new InvalidArgumentException("path " + path + ": not a directory");
    }
    List<DirEntry> out = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(dir, FsKeys.DIRENT), FsKeys.end(dir, FsKeys.DIRENT))) {
      long child = ByteBuffer.wrap(e.value()).getLong();
      out.add(new DirEntry(FsKeys.suffixName(e.key()), stat(child, inode(child))));
    }
    return out;
  }

  @Override
  public synchronized int read(String path, long offset, byte[] dst, int off, int len)
      throws IOException {
    long ino = resolve(path, true).existing(path);
    Inode in = regular(ino, path);
    if (offset < 0) {
      throw new InvalidArgumentException("path " + path + ": negative offset " + offset);
    }
    if (offset >= in.size()) {
      return len == 0 ? 0 : -1;
    }
    int n = (int) Math.min(len, in.size() - offset);
    layout.read(new Handle(ino, in), offset, dst, off, n);
    return n;
  }

  @Override
  public InputStream open(String path) throws IOException {
    FileStat st = stat(resolvePath(path));
    if (!st.isRegular()) {
      throw new InvalidArgumentException("path " + path + ": not a regular file");
    }
    String target = resolvePath(path);
    return new InputStream() {
      private long pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = TreeFileSystem.this.read(target, pos, b, off, Math.min(len, 1 << 20));
        if (n > 0) {
          pos += n;
        }
        return n;
      }
    };
  }

  /** The path with every symlink resolved, within the snapshot. */
  public synchronized String resolvePath(String path) {
    Resolved r = resolve(path, true);
    r.existing(path);
    return pathOf(r.ino);
  }

  @Override
  public synchronized String readlink(String path) {
    long ino = resolve(path, false).existing(path);
    Inode in = inode(ino);
    if (in.target() == null) {
      throw new InvalidArgumentException("path " + path + ": not a symlink");
    }
    return in.target();
  }

  @Override
  public synchronized byte[] getXattr(String path, String name) {
    long ino = resolve(path, false).existing(path);
    return tree.get(FsKeys.key(ino, FsKeys.XATTR, name.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public synchronized List<String> listXattrs(String path) {
    long ino = resolve(path, false).existing(path);
    List<String> out = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(ino, FsKeys.XATTR), FsKeys.end(ino, FsKeys.XATTR))) {
      out.add(FsKeys.suffixName(e.key()));
    }
    return out;
  }

  /** The path of inode {@code ino} (its first name, for hard links), from its back-references. */
  public synchronized String pathOf(long ino) {
    Deque<String> parts = new ArrayDeque<>();
    long cur = ino;
    for (int depth = 0; cur != ROOT; depth++) {
      if (depth > PathNames.MAX_PATH) {
        throw new CorruptDataException(
            "inode " + ino + ": its back-references loop", "inode " + ino);
      }
      byte[] from = FsKeys.key(cur, FsKeys.BACKREF);
      var it = tree.scan(from, FsKeys.end(cur, FsKeys.BACKREF)).iterator();
      if (!it.hasNext()) {
        throw new NotFoundException("inode " + ino + " has no name");
      }
      byte[] k = it.next().key();
      parts.push(FsKeys.backrefName(k));
      cur = FsKeys.backrefParent(k);
    }
    return "/" + String.join("/", parts);
  }

  // ---- changing ----

  /** A change to run against the tree; rolled back if it throws. */
  @FunctionalInterface
  public interface Change {
    void run() throws IOException;
  }

  private void mutate(Change c) throws IOException {
    if (readOnly) {
      throw new ConflictException("this snapshot is read-only");
    }
    if (session == null) {
      session = chunks.session();
      nodes.session(session);
    }
    try {
      c.run();
      if (!defer) {
        commitChanges();
      }
    } catch (IOException | RuntimeException e) {
      rollback();
      throw e;
    }
  }

  private void commitChanges() throws IOException {
    if (session == null) {
      return;
    }
    Digest root = tree.flush();
    RoaringBitmap added = nodes.drainAdded();
    added.or(dataAdded);
    dataAdded.clear();
    RoaringBitmap released = nodes.drainReleased();
    WriteSession s = session;
    session = null;
    try {
      binding.commit(s, root, added, released);
    } finally {
      s.close();
    }
    committedRoot = root;
  }

  private void rollback() {
    if (session != null) {
      session.close();
      session = null;
    }
    nodes.drainAdded();
    nodes.drainReleased();
    dataAdded.clear();
    tree = new CowTree(nodes, cache, committedRoot);
  }

  @Override
  public synchronized void deferSync(boolean on) throws IOException {
    if (!on && defer) {
      defer = false;
      sync();
    }
    defer = on;
  }

  @Override
  public synchronized void discard() {
    rollback();
  }

  @Override
  public synchronized void sync() throws IOException {
    try {
      commitChanges();
    } catch (IOException | RuntimeException e) {
      rollback();
      throw e;
    }
  }

  @Override
  public synchronized void write(String path, long offset, byte[] b, int off, int len)
      throws IOException {
    if (offset < 0) {
      throw new InvalidArgumentException("path " + path + ": negative offset " + offset);
    }
    mutate(
        () -> {
          Resolved r = resolve(path, true);
          long ino =
              r.ino >= 0
                  ? r.ino
                  : create(r, path, new Inode(FileStat.S_IFREG | 0644, 0, 0, 1, 0, 0, 0, 0, null));
          Inode in = regular(ino, path);
          long now = clock.getAsLong();
          long end = offset + len;
          Inode grown = in.withSize(Math.max(in.size(), end), now);
          putInode(ino, grown);
          if (len > 0) {
            layout.write(new Handle(ino, grown), offset, b, off, len);
          }
        });
  }

  @Override
  public synchronized void writeFile(
      String path, InputStream in, int mode, int uid, int gid, long mtimeNanos) throws IOException {
    mutate(
        () -> {
          Resolved r = resolve(path, false);
          long now = clock.getAsLong();
          if (r.ino >= 0) {
            Inode old = inode(r.ino);
            if (old.stat(r.ino).isDirectory()) {
              throw new ConflictException("path " + path + ": is a directory");
            }
            unlink(r.parent, r.name, r.ino);
          }
          long ino =
              create(
                  r,
                  path,
                  new Inode(
                      FileStat.S_IFREG | (mode & 07777), uid, gid, 1, 0, now, now, now, null));
          long size = layout.replace(new Handle(ino, inode(ino)), in);
          putInode(
              ino,
              new Inode(
                  FileStat.S_IFREG | (mode & 07777),
                  uid,
                  gid,
                  1,
                  size,
                  mtimeNanos,
                  mtimeNanos,
                  now,
                  null));
        });
  }

  @Override
  public synchronized void overwrite(String path, InputStream in, long mtimeNanos)
      throws IOException {
    mutate(
        () -> {
          Resolved r = resolve(path, true);
          long now = clock.getAsLong();
          long ino =
              r.ino >= 0
                  ? r.ino
                  : create(
                      r, path, new Inode(FileStat.S_IFREG | 0644, 0, 0, 1, 0, now, now, now, null));
          Inode old = regular(ino, path);
          if (old.size() > 0) {
            layout.truncate(new Handle(ino, old), 0);
          }
          Inode empty = old.withSize(0, now);
          putInode(ino, empty);
          long size = layout.replace(new Handle(ino, empty), in);
          putInode(ino, empty.withSize(size, now).withTimes(mtimeNanos, old.atime(), now));
        });
  }

  @Override
  public synchronized void truncate(String path, long size) throws IOException {
    if (size < 0) {
      throw new InvalidArgumentException("path " + path + ": negative size " + size);
    }
    mutate(
        () -> {
          long ino = resolve(path, true).existing(path);
          Inode in = regular(ino, path);
          if (size < in.size()) {
            layout.truncate(new Handle(ino, in), size);
          }
          putInode(ino, in.withSize(size, clock.getAsLong()));
        });
  }

  @Override
  public synchronized void mkdir(String path, int mode) throws IOException {
    mutate(
        () -> {
          Resolved r = resolve(path, false);
          if (r.ino >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          mkdirAt(r, path, mode);
        });
  }

  @Override
  public synchronized void mkdirs(String path, int mode) throws IOException {
    mutate(
        () -> {
          String cur = "";
          for (String part : PathNames.split(path)) {
            cur = cur + "/" + part;
            Resolved r = resolve(cur, true);
            if (r.ino < 0) {
              mkdirAt(r, cur, mode);
            } else if (!inode(r.ino).stat(r.ino).isDirectory()) {
              throw new ConflictException("path " + cur + ": exists and is not a directory");
            }
          }
        });
  }

  private void mkdirAt(Resolved r, String path, int mode) {
    long now = clock.getAsLong();
    create(r, path, new Inode(FileStat.S_IFDIR | (mode & 07777), 0, 0, 2, 0, now, now, now, null));
  }

  @Override
  public synchronized void remove(String path, boolean recursive) throws IOException {
    mutate(
        () -> {
          Resolved r = resolve(path, false);
          long ino = r.existing(path);
          if (ino == ROOT) {
            throw new InvalidArgumentException("path /: the root cannot be removed");
          }
          removeTree(r.parent, r.name, ino, recursive, path);
        });
  }

  private void removeTree(long parent, String name, long ino, boolean recursive, String path) {
    if (inode(ino).stat(ino).isDirectory()) {
      List<byte[]> children = new ArrayList<>();
      for (CowTree.Entry e :
          tree.scan(FsKeys.key(ino, FsKeys.DIRENT), FsKeys.end(ino, FsKeys.DIRENT))) {
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

  @Override
  public synchronized void rename(String from, String to) throws IOException {
    mutate(
        () -> {
          Resolved src = resolve(from, false);
          long ino = src.existing(from);
          if (ino == ROOT) {
            throw new InvalidArgumentException("path /: the root cannot be renamed");
          }
          Resolved dst = resolve(to, false);
          if (dst.ino == ino) {
            return;
          }
          boolean dir = inode(ino).stat(ino).isDirectory();
          if (dir) {
            for (long p = dst.parent; ; ) {
              if (p == ino) {
                throw new InvalidArgumentException(
                    "rename " + from + " to " + to + ": into itself");
              }
              if (p == ROOT) {
                break;
              }
              p = parentOf(p);
            }
          }
          if (dst.ino >= 0) {
            boolean dstDir = inode(dst.ino).stat(dst.ino).isDirectory();
            if (dir != dstDir) {
              throw new ConflictException(
                  "rename "
                      + from
                      + " to "
                      + to
                      + ": "
                      + (dir ? "target is not a directory" : "target is a directory"));
            }
            removeTree(dst.parent, dst.name, dst.ino, false, to);
          }
          tree.delete(FsKeys.key(src.parent, FsKeys.DIRENT, bytes(src.name)));
          tree.delete(FsKeys.backref(ino, src.parent, src.name));
          counted(src.parent, src.name, ino, -1);
          addName(dst.parent, dst.name, ino);
          touch(src.parent);
          touch(dst.parent);
        });
  }

  @Override
  public synchronized void mknod(String path, int mode, long rdev) throws IOException {
    int type = mode & FileStat.S_IFMT;
    if (type == 0) {
      type = FileStat.S_IFREG;
    }
    boolean device = type == FileStat.S_IFCHR || type == FileStat.S_IFBLK;
    if (!device
        && type != FileStat.S_IFREG
        && type != FileStat.S_IFIFO
        && type != FileStat.S_IFSOCK) {
      throw new InvalidArgumentException(
          "mknod " + path + ": type " + Integer.toOctalString(type) + " is not a node type");
    }
    int kind = type;
    mutate(
        () -> {
          Resolved r = resolve(path, false);
          if (r.ino >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          long now = clock.getAsLong();
          create(
              r,
              path,
              new Inode(kind | (mode & 07777), 0, 0, 1, 0, now, now, now, null, device ? rdev : 0));
        });
  }

  @Override
  public synchronized void symlink(String target, String path) throws IOException {
    if (target.isEmpty() || target.indexOf('\0') >= 0 || target.length() > PathNames.MAX_PATH) {
      throw new InvalidArgumentException("symlink " + path + ": invalid target");
    }
    mutate(
        () -> {
          Resolved r = resolve(path, false);
          if (r.ino >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          long now = clock.getAsLong();
          create(
              r,
              path,
              new Inode(
                  FileStat.S_IFLNK | 0777, 0, 0, 1, bytes(target).length, now, now, now, target));
        });
  }

  @Override
  public synchronized void link(String existing, String path) throws IOException {
    mutate(
        () -> {
          long ino = resolve(existing, false).existing(existing);
          Inode in = inode(ino);
          if (in.stat(ino).isDirectory()) {
            throw new InvalidArgumentException(
                "link " + existing + ": hard links to directories are not allowed");
          }
          Resolved r = resolve(path, false);
          if (r.ino >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          requireDir(r.parent, path);
          addName(r.parent, r.name, ino);
          putInode(ino, in.withLinks(in.nlink() + 1, clock.getAsLong()));
          touch(r.parent);
        });
  }

  @Override
  public synchronized void chmod(String path, int mode) throws IOException {
    mutate(
        () -> {
          long ino = resolve(path, true).existing(path);
          putInode(ino, inode(ino).withMode(mode, clock.getAsLong()));
        });
  }

  @Override
  public synchronized void chown(String path, int uid, int gid) throws IOException {
    mutate(
        () -> {
          long ino = resolve(path, false).existing(path);
          putInode(ino, inode(ino).withOwner(uid, gid, clock.getAsLong()));
        });
  }

  @Override
  public synchronized void setTimes(String path, long mtimeNanos, long atimeNanos)
      throws IOException {
    mutate(
        () -> {
          long ino = resolve(path, false).existing(path);
          putInode(ino, inode(ino).withTimes(mtimeNanos, atimeNanos, clock.getAsLong()));
        });
  }

  @Override
  public synchronized void setXattr(String path, String name, byte[] value) throws IOException {
    if (name.isEmpty() || bytes(name).length > PathNames.MAX_NAME || value.length > 16 << 10) {
      throw new InvalidArgumentException(
          "xattr " + name + " on " + path + ": name or value too large");
    }
    mutate(
        () -> {
          long ino = resolve(path, false).existing(path);
          tree.put(FsKeys.key(ino, FsKeys.XATTR, bytes(name)), value.clone());
        });
  }

  @Override
  public synchronized void removeXattr(String path, String name) throws IOException {
    mutate(
        () -> {
          long ino = resolve(path, false).existing(path);
          tree.delete(FsKeys.key(ino, FsKeys.XATTR, bytes(name)));
        });
  }

  // ---- internals ----

  /** Where a path leads: its parent directory, its last name, and the inode there or -1. */
  private record Resolved(long parent, String name, long ino) {
    long existing(String path) {
      if (ino < 0) {
        throw new NotFoundException("path " + path + " not found");
      }
      return ino;
    }
  }

  private Resolved resolve(String path, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>(PathNames.split(path));
    if (todo.isEmpty()) {
      return new Resolved(ROOT, "", ROOT);
    }
    Deque<Long> ancestors = new ArrayDeque<>();
    long cur = ROOT;
    int hops = 0;
    while (true) {
      String name = todo.poll();
      if (name.equals("..")) {
        cur = ancestors.isEmpty() ? ROOT : ancestors.pop();
        if (todo.isEmpty()) {
          return new Resolved(ancestors.isEmpty() ? ROOT : ancestors.peek(), name, cur);
        }
        continue;
      }
      long child = lookup(cur, name);
      boolean last = todo.isEmpty();
      if (child < 0) {
        if (last) {
          requireDir(cur, path);
          return new Resolved(cur, name, -1);
        }
        throw new NotFoundException("path " + path + " not found");
      }
      Inode in = inode(child);
      if (in.target() != null && (!last || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new InvalidArgumentException("path " + path + ": too many levels of symlinks");
        }
        String target = in.target();
        if (target.startsWith("/")) {
          cur = ROOT;
          ancestors.clear();
        }
        List<String> parts = new ArrayList<>();
        for (String p : target.split("/")) {
          if (!p.isEmpty() && !p.equals(".")) {
            parts.add(p);
          }
        }
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.push(parts.get(i));
        }
        if (todo.isEmpty()) {
          return new Resolved(ROOT, "", ROOT);
        }
        continue;
      }
      if (last) {
        return new Resolved(cur, name, child);
      }
      if (!in.stat(child).isDirectory()) {
        throw new NotFoundException("path " + path + " not found: a component is not a directory");
      }
      ancestors.push(cur);
      cur = child;
    }
  }

  private long lookup(long dir, String name) {
    byte[] v = tree.get(FsKeys.key(dir, FsKeys.DIRENT, bytes(name)));
    return v == null ? -1 : ByteBuffer.wrap(v).getLong();
  }

  private Inode inode(long ino) {
    byte[] v = tree.get(FsKeys.key(ino, FsKeys.INODE));
    if (v == null) {
      throw new CorruptDataException("inode " + ino + " is missing", "inode " + ino);
    }
    return Inode.decode(v, ino);
  }

  private void putInode(long ino, Inode in) {
    tree.put(FsKeys.key(ino, FsKeys.INODE), in.encode());
  }

  private Inode regular(long ino, String path) {
    Inode in = inode(ino);
    if (!in.stat(ino).isRegular()) {
      throw new InvalidArgumentException("path " + path + ": not a regular file");
    }
    return in;
  }

  private void requireDir(long ino, String path) {
    if (!inode(ino).stat(ino).isDirectory()) {
      throw new NotFoundException("path " + path + " not found: its parent is not a directory");
    }
  }

  private long parentOf(long ino) {
    var it = tree.scan(FsKeys.key(ino, FsKeys.BACKREF), FsKeys.end(ino, FsKeys.BACKREF)).iterator();
    return it.hasNext() ? FsKeys.backrefParent(it.next().key()) : ROOT;
  }

  private long create(Resolved r, String path, Inode in) {
    requireDir(r.parent, path);
    PathNames.checkName(r.name, path);
    byte[] metaKey = FsKeys.key(0, FsKeys.META);
    long ino = ByteBuffer.wrap(tree.get(metaKey)).getLong();
    tree.put(metaKey, ByteBuffer.allocate(8).putLong(ino + 1).array());
    putInode(ino, in);
    addName(r.parent, r.name, ino);
    touch(r.parent);
    return ino;
  }

  private void addName(long parent, String name, long ino) {
    tree.put(
        FsKeys.key(parent, FsKeys.DIRENT, bytes(name)),
        ByteBuffer.allocate(8).putLong(ino).array());
    tree.put(FsKeys.backref(ino, parent, name), new byte[0]);
    counted(parent, name, ino, 1);
  }

  /** Updates {@code dir}'s entry counts for its entry {@code name} added (+1) or removed (-1). */
  private void counted(long dir, String name, long ino, int sign) {
    boolean subdirectory = inode(ino).stat(ino).isDirectory();
    putInode(dir, inode(dir).withEntry(layout.directories().weight(name), subdirectory, sign));
  }

  private void touch(long dir) {
    putInode(dir, inode(dir).touched(clock.getAsLong()));
  }

  /** Removes one name of {@code ino}; the inode and its items go with its last name. */
  private void unlink(long parent, String name, long ino) {
    tree.delete(FsKeys.key(parent, FsKeys.DIRENT, bytes(name)));
    tree.delete(FsKeys.backref(ino, parent, name));
    counted(parent, name, ino, -1);
    touch(parent);
    Inode in = inode(ino);
    if (!in.stat(ino).isDirectory() && in.nlink() > 1) {
      putInode(ino, in.withLinks(in.nlink() - 1, clock.getAsLong()));
      return;
    }
    List<byte[]> keys = new ArrayList<>();
    for (CowTree.Entry e :
        tree.scan(FsKeys.key(ino, FsKeys.INODE), FsKeys.key(ino + 1, FsKeys.META))) {
      keys.add(e.key());
    }
    for (byte[] k : keys) {
      tree.delete(k);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A regular file's content as the layout sees it. */
  private final class Handle implements FileData {
    private final long ino;
    private final Inode inode;

    Handle(long ino, Inode inode) {
      this.ino = ino;
      this.inode = inode;
    }

    @Override
    public long ino() {
      return ino;
    }

    @Override
    public long size() {
      return inode.size();
    }

    @Override
    public byte[] item(long key) {
      return tree.get(FsKeys.key(ino, FsKeys.DATA, key));
    }

    @Override
    public List<Item> items(long from, long to) {
      List<Item> out = new ArrayList<>();
      byte[] end =
          to == Long.MAX_VALUE ? FsKeys.end(ino, FsKeys.DATA) : FsKeys.key(ino, FsKeys.DATA, to);
      for (CowTree.Entry e : tree.scan(FsKeys.key(ino, FsKeys.DATA, from), end)) {
        out.add(new Item(FsKeys.suffixLong(e.key()), e.value()));
      }
      return out;
    }

    @Override
    public void putItem(long key, byte[] value) {
      tree.put(FsKeys.key(ino, FsKeys.DATA, key), value);
    }

    @Override
    public void deleteItem(long key) {
      tree.delete(FsKeys.key(ino, FsKeys.DATA, key));
    }

    @Override
    public Digest putChunk(byte[] b, int off, int len) throws IOException {
      return putChunk(b, off, len, null);
    }

    @Override
    public Digest putChunk(
        byte[] b, int off, int len, io.strata.store.compress.Compression compression)
        throws IOException {
      ChunkStore.Stored s = chunks.putChunk(session, b, off, len, compression);
      dataAdded.add(s.id());
      return chunks.digest(s.id());
    }

    @Override
    public List<Piece> putStream(InputStream in) throws IOException {
      ObjectWriter w = session.newUndigestedObject();
      w.writeAll(in);
      Recipe recipe = w.finish().recipe();
      List<Piece> out = new ArrayList<>(recipe.count());
      for (int i = 0; i < recipe.count(); i++) {
        dataAdded.add(recipe.id(i));
        out.add(new Piece(chunks.digest(recipe.id(i)), recipe.length(i)));
      }
      return out;
    }

    @Override
    public int readChunk(Digest d, byte[] dst) throws IOException {
      int id = chunks.idOf(d);
      if (id < 0) {
        throw new CorruptDataException(
            "chunk " + d + " of inode " + ino + " is missing", d.toString());
      }
      return chunks.read(id, dst);
    }
  }

  /** A buffer large enough for any chunk, for layouts that read whole chunks. */
  public static byte[] chunkBuffer() {
    return new byte[ChunkerParams.MAX_CHUNK];
  }
}

package io.strata.fuse;

import io.strata.store.chunk.LentArrays;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.fs.PathNames;
import io.strata.store.fs.TreeFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Answers the kernel's low-level FUSE requests from one {@link FileSystemView}: requests name
 * nodes, {@link NodeTable} turns them into the view's paths. Every request is answered with an
 * error number or its reply structure; an exception never leaves {@link #handle}. Every answer
 * reads all of its request before it writes its reply: the two share a buffer ({@link
 * FuseSession}).
 *
 * <p>Durability is {@link PendingChanges}'s, as before: a writable mount holds changes in memory
 * and makes them durable as one group on every {@code fsync}, every few seconds while something
 * changed ({@link FuseMounts}), after {@link PendingChanges#SYNC_BYTES} of writes, and at unmount.
 * Changes made of several view calls run whole under its lock. Reads take no lock of ours: the view
 * is thread-safe, and a snapshot's ({@link TreeFileSystem}) answers reads on both of a mount's
 * threads at once (its read lock), while a change waits for the reads inside and runs alone.
 *
 * <p>Open files. The kernel opens and closes files without telling us ({@code NO_OPEN_SUPPORT}), so
 * a file whose last name is removed while the kernel still holds its node (open, or about to be
 * forgotten) is renamed to a hidden name in the root instead, served through it while the kernel
 * holds the node, and removed when the kernel forgets it: what libfuse's high-level API did with
 * {@code .fuse_hidden} files, but in one place, never shown in a listing or to a lookup, so that an
 * {@code rmdir} of the file's directory still works.
 */
final class LowLevelFs {
  private static final System.Logger LOG = System.getLogger(LowLevelFs.class.getName());

  /**
   * The largest read and write (max_pages of 4 KiB pages). Each of a mount's reader threads holds a
   * request buffer and a byte array this size for as long as the mount lives, so it is a cost per
   * mount (about 1 MiB at 256 KiB; 4 MiB at 1 MiB, with a container per mount). Bigger would gain
   * little: the kernel's readahead window (128 KiB by default) bounds most reads, and the
   * write-behind gathers consecutive writes into 1 MiB for the view anyway.
   */
  static final int MAX_IO = 256 << 10;

  /**
   * What a read or write request copies file bytes through, lent per request and shared by every
   * mount of the process: they were two per mount for as long as it lived (docs/ADVERSARIAL.md,
   * N8).
   */
  private static final LentArrays REQUESTS = new LentArrays(MAX_IO, 8);

  /** Names of removed files the kernel still holds, in the root (never listed). */
  static final String HIDDEN = HeldUnlinked.PREFIX;

  /**
   * How long a read-only view's names and attributes are kept: it never changes, so an hour (and
   * its pages across opens), as with libfuse before.
   */
  static final long READ_ONLY_MILLIS = 3_600_000;

  /**
   * How long a writable mount's names, absent names and attributes are kept. Every change made
   * through the mount updates or invalidates what the kernel holds (one node per inode: a hard
   * link's other names are the same kernel inode), so the timeout only bounds how long a change
   * made beside the mount ({@code strata fs}, {@code strata cp} into the same container) stays
   * unseen. A second catches the repeats that matter (a tar, find or stat walk touches each inode
   * several times within milliseconds; a process start probes the same absent names in bursts)
   * while keeping that staleness as short as libfuse's defaults.
   */
  static final long WRITABLE_MILLIS = 1_000;

  private static final int O_ACCMODE = 3;
  private static final int O_APPEND = 02000;
  private static final int S_ISGID = 02000;
  private static final int O_EXCL = 0200;
  private static final int O_TRUNC = 01000;
  private static final int W_OK = 2;
  private static final int MAX_NAME = 255;
  private static final int MAX_LISTINGS = 64;
  private static final byte[] EMPTY = new byte[0];

  private final FileSystemView view;
  // set once more by retire(): the snapshot is committed or removed next
  private volatile boolean readOnly;
  private final Path spaceOf;
  private final String name;
  private final PendingChanges pending;
  private final Xattrs xattrs;
  private final AnonymousFiles anonymous;
  private final NodeTable table;
  private final long entryMillis;
  private final long attrMillis;
  // A directory read in several READDIR requests is answered from one listing, taken at offset 0,
  // so that a change between them (rm -r removing what it read) neither skips nor repeats names.
  private final Map<Long, List<DirEntry>> listings =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<DirEntry>> e) {
          return size() > MAX_LISTINGS;
        }
      };
  private volatile boolean noOpen;
  private volatile boolean noOpendir;
  // Every request is answered under the read lock; halt() takes the write lock, so that once it
  // returns no request is inside the view (which is about to close with the store).
  private final ReentrantReadWriteLock serving = new ReentrantReadWriteLock();
  private volatile boolean halted;

  /**
   * @param view what is served
   * @param readOnly whether every change is refused with EROFS (also when the view allows it)
   * @param spaceOf a directory on the disk whose space statfs reports (the data root)
   * @param name the mount point, naming the mount in logs and in the report of lost changes
   */
  LowLevelFs(FileSystemView view, boolean readOnly, Path spaceOf, String name) throws IOException {
    this.view = view;
    this.readOnly = readOnly || view.readOnly();
    this.spaceOf = spaceOf;
    this.name = name;
    this.pending = new PendingChanges(view, name, () -> spaceOf.toFile().getUsableSpace());
    this.xattrs = new Xattrs(view);
    this.anonymous = new AnonymousFiles(view);
    // A snapshot's tree numbers its inodes in one space; anything else may join several.
    this.table = new NodeTable(view::inodeNamesOneFile, view.stat("/"));
    this.entryMillis = this.readOnly ? READ_ONLY_MILLIS : WRITABLE_MILLIS;
    this.attrMillis = entryMillis;
    if (!this.readOnly) {
      removeHidden();
    }
  }

  boolean readOnly() {
    return readOnly;
  }

  NodeTable table() {
    return table;
  }

  /** Whether the kernel agreed to open files without OPEN requests. */
  boolean noOpen() {
    return noOpen;
  }

  // ---- durability ----

  /** Makes every change so far durable; throws, once, what a failed background sync lost. */
  void sync() throws IOException {
    pending.sync();
  }

  /** Gives the view what the write-behind holds, so that readers of the view see it. */
  void settle() {
    pending.settle();
  }

  /**
   * The periodic sync of {@link FuseMounts}: first the files no process appended to since the last
   * one get their unfinished appends rewritten ({@link FileSystemView#finishIdleAppends}).
   */
  void syncInBackground() {
    pending.finishIdleAppends();
    pending.syncInBackground();
  }

  /**
   * Stops serving the view: waits for the requests being answered, makes every change they made
   * durable and answers every later request ENOTCONN, as the mount of a killed server does. A
   * server stopping with this mount still in use calls it last, before its store closes: whatever a
   * write acknowledged is then durable, and nothing is acknowledged afterwards that could be lost.
   * Idempotent.
   */
  void halt() throws IOException {
    serving.writeLock().lock();
    try {
      if (halted) {
        return;
      }
      halted = true;
    } finally {
      serving.writeLock().unlock();
    }
    if (!readOnly) {
      pending.sync();
    }
  }

  /**
   * Refuses every change from now on (EROFS), after making those made so far durable: the snapshot
   * is committed or removed next, and a write after that would land in a file system no snapshot
   * has, and be dropped (docs/ADVERSARIAL.md, AJ6). Reads go on, as a committed snapshot's do.
   */
  void retire() throws IOException {
    serving.writeLock().lock();
    try {
      if (readOnly || halted) {
        return;
      }
      pending.sync();
      readOnly = true;
    } finally {
      serving.writeLock().unlock();
    }
  }

  /** Whether {@link #halt} stopped serving the view. */
  boolean halted() {
    return halted;
  }

  /** At the end of serving: removes what was hidden for the kernel, which holds nothing now. */
  void ended() {
    if (!readOnly && !halted) {
      try {
        removeHidden();
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "mount {0}: removing hidden files: {1}", name, e);
      }
    }
  }

  private void removeHidden() throws IOException {
    for (DirEntry e : view.list("/")) {
      if (HeldUnlinked.is(view, "/" + e.name())) {
        pending.run(() -> view.remove("/" + e.name(), false));
      }
    }
  }

  // ---- dispatch ----

  /**
   * Answers {@code q} into {@code r}; false when the request takes no reply (FORGET, BATCH_FORGET,
   * INTERRUPT).
   */
  boolean handle(FuseRequest q, FuseReply r) {
    serving.readLock().lock();
    try {
      if (halted) {
        return refuseHalted(q, r);
      }
      return answer(q, r);
    } finally {
      serving.readLock().unlock();
    }
  }

  /** After {@link #halt}: the view is not touched again; everything that takes a reply fails. */
  private static boolean refuseHalted(FuseRequest q, FuseReply r) {
    switch (q.opcode) {
      case Wire.FORGET, Wire.BATCH_FORGET, Wire.INTERRUPT -> {
        return false;
      }
      case Wire.DESTROY -> r.ok(q.unique);
      default -> r.error(q.unique, Errno.ENOTCONN);
    }
    return true;
  }

  private boolean answer(FuseRequest q, FuseReply r) {
    int op = q.opcode;
    try {
      switch (op) {
        case Wire.FORGET -> {
          forget(q.nodeId, q.u64());
          return false;
        }
        case Wire.BATCH_FORGET -> {
          int count = q.u32();
          q.skip(4);
          for (int i = 0; i < count; i++) {
            forget(q.u64(), q.u64());
          }
          return false;
        }
        case Wire.INTERRUPT -> {
          // Every request here is answered promptly; the interrupted one gets its normal answer.
          return false;
        }
        case Wire.INIT -> init(q, r);
        case Wire.DESTROY -> r.ok(q.unique);
        case Wire.LOOKUP -> lookup(q, r);
        case Wire.GETATTR -> getattr(q, r);
        case Wire.SETATTR -> setattr(q, r);
        case Wire.READLINK -> readlink(q, r);
        case Wire.SYMLINK -> symlink(q, r);
        case Wire.MKNOD -> mknod(q, r);
        case Wire.MKDIR -> mkdir(q, r);
        case Wire.UNLINK -> unlink(q, r);
        case Wire.RMDIR -> rmdir(q, r);
        case Wire.RENAME -> rename(q, r, q.u64(), 0);
        case Wire.RENAME2 -> {
          long newDir = q.u64();
          int flags = q.u32();
          q.skip(4);
          rename(q, r, newDir, flags);
        }
        case Wire.LINK -> link(q, r);
        case Wire.OPEN -> open(q, r);
        case Wire.READ -> read(q, r);
        case Wire.WRITE -> write(q, r);
        case Wire.STATFS -> statfs(q, r);
        case Wire.RELEASE, Wire.RELEASEDIR -> r.ok(q.unique);
        case Wire.FSYNC, Wire.FSYNCDIR -> fsync(q, r);
        case Wire.SETXATTR -> setxattr(q, r);
        case Wire.GETXATTR -> getxattr(q, r);
        case Wire.LISTXATTR -> listxattr(q, r);
        case Wire.REMOVEXATTR -> removexattr(q, r);
        case Wire.OPENDIR -> opendir(q, r);
        case Wire.READDIR -> readdir(q, r, false);
        case Wire.READDIRPLUS -> readdir(q, r, true);
        case Wire.ACCESS -> access(q, r);
        case Wire.CREATE -> create(q, r);
        case Wire.TMPFILE -> tmpfile(q, r);
        case Wire.LSEEK -> lseek(q, r);
        // FLUSH, locks, ioctl, poll, fallocate, copy_file_range...: told ENOSYS once, the
        // kernel stops asking (no FLUSH round trip per close; locks stay local to the kernel).
        default -> r.error(q.unique, Errno.ENOSYS);
      }
    } catch (Throwable t) {
      r.error(q.unique, fail(op, q, t));
    }
    return true;
  }

  private int fail(int op, FuseRequest q, Throwable t) {
    int errno = Errno.of(t, conflict(op));
    if (Errno.isFailure(errno)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} of node {1} on {2}: {3}",
          Wire.name(op),
          q.nodeId,
          name,
          t.toString());
    } else {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0} of node {1} on {2}: {3}",
          Wire.name(op),
          q.nodeId,
          name,
          t.toString());
    }
    return errno;
  }

  /** What a ConflictException of the view means for {@code op}. */
  private static int conflict(int op) {
    return switch (op) {
      case Wire.LINK, Wire.RENAME, Wire.RENAME2 -> Errno.EXDEV;
      case Wire.RMDIR -> Errno.ENOTEMPTY;
      case Wire.UNLINK,
          Wire.SETATTR,
          Wire.SYMLINK,
          Wire.MKNOD,
          Wire.MKDIR,
          Wire.CREATE,
          Wire.TMPFILE,
          Wire.WRITE,
          Wire.SETXATTR,
          Wire.REMOVEXATTR ->
          Errno.EPERM;
      default -> Errno.EIO;
    };
  }

  private void change(PendingChanges.Change c) throws IOException {
    if (readOnly) {
      throw new Refusal(Errno.EROFS);
    }
    pending.run(c);
  }

  private String path(long node) {
    String p = table.path(node);
    if (p == null) {
      throw new Refusal(Errno.ESTALE);
    }
    return p;
  }

  private String child(long parent, String child) {
    if (child.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
      throw new Refusal(Errno.ENAMETOOLONG);
    }
    String p = table.child(parent, child);
    if (p == null) {
      throw new Refusal(Errno.ESTALE);
    }
    return p;
  }

  private boolean hidden(long parent, String child) {
    if (parent != Wire.ROOT_ID || !child.startsWith(HIDDEN)) {
      return false;
    }
    // A listing taken while the kernel still held a removed file names it; when the kernel let go
    // before the listing was answered, the file is gone: hidden all the same, or a walker stats a
    // name that is not there (containerd's snapshotter suite met it under load).
    try {
      return view.getXattr("/" + child, HeldUnlinked.MARKER) != null;
    } catch (io.strata.store.error.NotFoundException gone) {
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private long attrMillis(FileStat s) {
    // Served by name (a volume's or bind mount's host file), a file is a kernel inode per name and
    // per mount, and others change it directly (the host, other containers, another target of the
    // same volume): keep none of its attributes, or a size cached here cuts short a read after a
    // write that returned elsewhere (docs/ADVERSARIAL.md, N3), as with several names.
    if (!table.byInode(s.ino()) && !s.isDirectory()) {
      return 0;
    }
    return attrMillis;
  }

  /**
   * How long the kernel keeps a name of {@code s}. Served by name, a hard-linked file is a kernel
   * inode per name, and a change through one name leaves the others' sizes stale: an append through
   * another name would land at its old end (the kernel takes O_APPEND's offset from the size it
   * holds, without asking). Kept for no time, each name is looked up again at every path walk, and
   * the lookup's answer brings the size up to date.
   */
  private long entryMillis(FileStat s) {
    // A host directory's names change under the mount too (a file made or removed on the host or
    // by another container): not kept either.
    if (!table.byInode(s.ino())) {
      return 0;
    }
    return entryMillis;
  }

  private void entry(FuseRequest q, FuseReply r, long parent, String child, FileStat s) {
    NodeTable.Node node = table.lookedUp(parent, child, s);
    r.ok(q.unique).entry(node.id, s, entryMillis(s), attrMillis(s), MAX_IO);
  }

  // ---- the session ----

  private void init(FuseRequest q, FuseReply r) {
    int major = q.u32();
    q.u32(); // minor
    int maxReadahead = q.u32();
    int offered = q.u32();
    if (major < Wire.MAJOR) {
      throw new Refusal(Errno.EPROTO);
    }
    int wanted =
        Wire.ASYNC_READ
            | Wire.BIG_WRITES
            | Wire.AUTO_INVAL_DATA
            | Wire.DO_READDIRPLUS
            | Wire.READDIRPLUS_AUTO
            | Wire.NO_OPEN_SUPPORT
            | Wire.NO_OPENDIR_SUPPORT
            | Wire.PARALLEL_DIROPS
            | Wire.MAX_PAGES
            | Wire.CACHE_SYMLINKS;
    int flags = offered & wanted;
    noOpen = (flags & Wire.NO_OPEN_SUPPORT) != 0;
    noOpendir = (flags & Wire.NO_OPENDIR_SUPPORT) != 0;
    r.ok(q.unique)
        .u32(Wire.MAJOR)
        .u32(Wire.MINOR)
        .u32(Math.min(maxReadahead, MAX_IO))
        .u32(flags)
        .u16(0) // max_background: the kernel's default
        .u16(0) // congestion_threshold: the kernel's default
        .u32(MAX_IO) // max_write
        .u32(1) // time_gran: nanoseconds
        .u16(MAX_IO / 4096) // max_pages
        .u16(0) // map_alignment
        .u32(0) // flags2
        .zeros(Wire.INIT_OUT - 36);
  }

  private void forget(long node, long n) {
    NodeTable.Node gone = table.forget(node, n);
    if (gone == null) {
      return;
    }
    synchronized (listings) {
      listings.remove(node);
    }
    // A removed file the kernel held: hidden until now, gone with the kernel's last reference.
    for (NodeTable.Name nm : gone.names) {
      if (nm.parent() == Wire.ROOT_ID && HeldUnlinked.is(view, "/" + nm.name())) {
        try {
          pending.run(() -> view.remove("/" + nm.name(), false));
        } catch (IOException | RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "mount {0}: removing {1}: {2}", name, nm, e);
        }
      }
    }
  }

  // ---- names and attributes ----

  private void lookup(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String child = q.string();
    if (hidden(q.nodeId, child)) {
      throw new Refusal(Errno.ENOENT);
    }
    String p = child(q.nodeId, child);
    FileStat s;
    try {
      s = view.stat(p);
    } catch (io.strata.store.error.NotFoundException e) {
      // A cached absence: a process start probes many names that do not exist. Not in a host
      // directory, where the host or another container may make the name at any time.
      NodeTable.Node dir = table.get(q.nodeId);
      long keep = dir != null && !table.byInode(dir.ino) ? 0 : entryMillis;
      r.ok(q.unique).entry(0, null, keep, 0, MAX_IO);
      return;
    }
    entry(q, r, q.nodeId, child, s);
  }

  private void getattr(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String p = path(q.nodeId);
    FileStat s = anonymous.shown(p, view.stat(p));
    r.ok(q.unique).attrOut(s, attrMillis(s), MAX_IO);
  }

  private void setattr(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int valid = q.u32();
    q.skip(4 + 8); // padding, fh
    long size = q.u64();
    q.skip(8); // lock_owner
    long atime = q.u64();
    long mtime = q.u64();
    q.skip(8); // ctime
    int atimensec = q.u32();
    int mtimensec = q.u32();
    q.skip(4); // ctimensec
    int mode = q.u32();
    q.skip(4);
    int uid = q.u32();
    int gid = q.u32();
    String p = path(q.nodeId);
    change(
        () -> {
          FileStat s = view.stat(p);
          if ((valid & Wire.FATTR_SIZE) != 0) {
            if (s.isDirectory()) {
              throw new Refusal(Errno.EISDIR);
            }
            view.truncate(p, size);
          }
          if ((valid & Wire.FATTR_MODE) != 0) {
            view.chmod(p, mode & 07777);
          }
          if ((valid & (Wire.FATTR_UID | Wire.FATTR_GID)) != 0) {
            int u = (valid & Wire.FATTR_UID) != 0 ? uid : s.uid();
            int g = (valid & Wire.FATTR_GID) != 0 ? gid : s.gid();
            view.chown(p, u, g);
          }
          int times = Wire.FATTR_ATIME | Wire.FATTR_MTIME;
          if ((valid & times) != 0) {
            long now = nowNanos();
            long a = s.atimeNanos();
            long m = s.mtimeNanos();
            if ((valid & Wire.FATTR_ATIME) != 0) {
              a = (valid & Wire.FATTR_ATIME_NOW) != 0 ? now : nanos(atime, atimensec);
            }
            if ((valid & Wire.FATTR_MTIME) != 0) {
              m = (valid & Wire.FATTR_MTIME_NOW) != 0 ? now : nanos(mtime, mtimensec);
            }
            view.setTimes(p, m, a);
          }
        });
    FileStat s = anonymous.shown(p, view.stat(p));
    r.ok(q.unique).attrOut(s, attrMillis(s), MAX_IO);
  }

  /**
   * A time of {@code seconds} and {@code nanos}, in nanoseconds since the epoch, held at the ends
   * of what the store keeps (1677-09-21 to 2262-04-11) rather than wrapped around (year 3000 became
   * 1830): Linux clamps a time a file system cannot hold likewise, as an import clamps a tar's.
   */
  static long nanos(long seconds, int nanos) {
    try {
      return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
    } catch (ArithmeticException beyond) {
      return seconds < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private void readlink(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    byte[] target = view.readlink(path(q.nodeId)).getBytes(StandardCharsets.UTF_8);
    r.ok(q.unique).bytes(target, 0, target.length);
  }

  private void access(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int mask = q.u32();
    view.stat(path(q.nodeId));
    if (readOnly && (mask & W_OK) != 0) {
      throw new Refusal(Errno.EROFS);
    }
    r.ok(q.unique);
  }

  private void statfs(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    FileStore store = Files.getFileStore(spaceOf);
    long block = 4096;
    r.ok(q.unique)
        .u64(store.getTotalSpace() / block)
        .u64(store.getUnallocatedSpace() / block)
        .u64(store.getUsableSpace() / block)
        .u64(1L << 32)
        .u64(1L << 31)
        .u32((int) block)
        .u32(MAX_NAME)
        .u32((int) block)
        .u32(0)
        .zeros(24);
  }

  // ---- making and removing names ----

  /**
   * The owner of the new entry {@code p} in directory node {@code q.nodeId}, as Linux's {@code
   * inode_init_owner} gives it (the view creates as root): the creating process's uid, and its gid
   * unless the directory has the setgid bit, whose group the entry then takes, a new directory the
   * bit too (shared group directories, Debian's {@code /var/mail} and {@code /var/local}).
   */
  private void owner(FuseRequest q, String p) throws IOException {
    int gid = q.gid;
    FileStat dir = view.stat(path(q.nodeId));
    if ((dir.mode() & S_ISGID) != 0) {
      gid = dir.gid();
      FileStat made = view.stat(p);
      if (made.isDirectory()) {
        view.chmod(p, (made.mode() & 07777) | S_ISGID);
      }
    }
    if (q.uid != 0 || gid != 0) {
      view.chown(p, q.uid, gid);
    }
  }

  private void createFile(FuseRequest q, String p, int mode) throws IOException {
    change(
        () -> {
          if (view.exists(p)) {
            throw new Refusal(Errno.EEXIST);
          }
          view.write(p, 0, EMPTY, 0, 0);
          view.chmod(p, mode & 07777);
          owner(q, p);
          FileStat s = view.stat(p);
          view.setTimes(p, s.ctimeNanos(), s.ctimeNanos());
        });
  }

  private void create(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int flags = q.u32();
    int mode = q.u32();
    q.skip(8); // umask (already applied by the kernel), open_flags
    String child = q.string();
    String p = child(q.nodeId, child);
    FileStat existing = view.exists(p) ? view.stat(p) : null;
    if (existing == null) {
      createFile(q, p, mode);
    } else if ((flags & O_EXCL) != 0) {
      throw new Refusal(Errno.EEXIST);
    } else if (existing.isDirectory()) {
      throw new Refusal(Errno.EISDIR);
    } else if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != 0) {
      // Made meanwhile by someone else: open(2) without O_EXCL opens it, truncating if asked.
      change(() -> view.truncate(p, 0));
    }
    FileStat s = view.stat(p);
    entry(q, r, q.nodeId, child, s);
    r.u64(0).u32(0).u32(0); // fuse_open_out: no handle, the kernel's page cache as it decides
  }

  /**
   * An O_TMPFILE open: a new regular file without a name, answered as CREATE is (an entry and an
   * open file). It is made under a hidden name in the root ({@link AnonymousFiles}), owned as a
   * file made in the directory named would be, and goes when the kernel forgets it unless a LINK
   * named it first. A directory served by name (a volume's, a bind mount's) is another file system,
   * where the hidden file could not be moved: refused with EOPNOTSUPP, as a file system without
   * O_TMPFILE answers, and programs fall back to a named temporary file.
   */
  private void tmpfile(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    q.u32(); // flags: the kernel keeps O_EXCL's meaning itself (it refuses to link such a file)
    int mode = q.u32();
    FileStat dir = view.stat(path(q.nodeId));
    if (!dir.isDirectory()) {
      throw new Refusal(Errno.ENOTDIR);
    }
    if (!table.byInode(dir.ino())) {
      throw new Refusal(Errno.ENOTSUP);
    }
    String p = anonymous.newPath();
    change(
        () -> {
          view.write(p, 0, EMPTY, 0, 0);
          view.setXattr(p, HeldUnlinked.MARKER, EMPTY);
          view.chmod(p, mode & 07777);
          owner(q, p);
          FileStat s = view.stat(p);
          view.setTimes(p, s.ctimeNanos(), s.ctimeNanos());
        });
    FileStat s = anonymous.shown(p, view.stat(p));
    NodeTable.Node node = table.lookedUp(Wire.ROOT_ID, p.substring(1), s);
    r.ok(q.unique).entry(node.id, s, entryMillis(s), attrMillis(s), MAX_IO);
    r.u64(0).u32(0).u32(0); // fuse_open_out, as CREATE's
  }

  private void mknod(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int mode = q.u32();
    int rdev = q.u32();
    q.skip(8); // umask, padding
    String child = q.string();
    String p = child(q.nodeId, child);
    int type = mode & FileStat.S_IFMT;
    if (type == FileStat.S_IFREG || type == 0) {
      createFile(q, p, mode);
    } else {
      // FIFOs, sockets and devices: only the node is stored. The kernel serves a FIFO between the
      // processes that open it and opens a device through its own driver.
      change(
          () -> {
            view.mknod(p, type | (mode & 07777), FuseReply.decodeDev(rdev));
            owner(q, p);
          });
    }
    entry(q, r, q.nodeId, child, view.stat(p));
  }

  private void mkdir(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int mode = q.u32();
    q.skip(4); // umask
    String child = q.string();
    String p = child(q.nodeId, child);
    change(
        () -> {
          view.mkdir(p, mode & 07777);
          owner(q, p);
        });
    entry(q, r, q.nodeId, child, view.stat(p));
  }

  private void symlink(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String child = q.string();
    String target = q.string();
    String p = child(q.nodeId, child);
    if (target.getBytes(StandardCharsets.UTF_8).length > PathNames.MAX_SYMLINK) {
      throw new Refusal(Errno.ENAMETOOLONG); // as symlink(2) says of a target past PATH_MAX
    }
    change(
        () -> {
          view.symlink(target, p);
          owner(q, p);
        });
    entry(q, r, q.nodeId, child, view.stat(p));
  }

  private void link(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    long old = q.u64();
    String child = q.string();
    String from = path(old);
    String p = child(q.nodeId, child);
    // The kernel links a file without a name only when it may (an O_TMPFILE file opened without
    // O_EXCL, told it has no link): the file leaves its hidden name for this one.
    boolean nameless = anonymous.is(from);
    change(
        () -> {
          if (view.stat(from).isDirectory()) {
            throw new Refusal(Errno.EPERM);
          }
          if (nameless) {
            anonymous.name(from, p);
          } else {
            view.link(from, p);
          }
        });
    FileStat s = view.stat(p);
    NodeTable.Node node = table.linked(old, q.nodeId, child, s);
    if (nameless) {
      table.removed(Wire.ROOT_ID, from.substring(1));
    }
    r.ok(q.unique).entry(node.id, s, entryMillis(s), attrMillis(s), MAX_IO);
  }

  private void unlink(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String child = q.string();
    String p = child(q.nodeId, child);
    change(
        () -> {
          FileStat s = view.stat(p);
          if (s.isDirectory()) {
            throw new Refusal(Errno.EISDIR);
          }
          if (!hideIfHeld(q.nodeId, child, s)) {
            String other = otherName(p, s);
            view.remove(p, false);
            table.removed(q.nodeId, child, other);
          }
        });
    synchronized (listings) {
      listings.remove(q.nodeId);
    }
    r.ok(q.unique);
  }

  /**
   * Another path of the hard-linked regular file at {@code p} ({@code s}), for when {@code p} goes:
   * the kernel may hold the file's node (an open descriptor) knowing no other of its names, and
   * reaches the file through this one then rather than find it stale. Null for a file with one
   * name, or when the view cannot tell its others.
   */
  private String otherName(String p, FileStat s) {
    if (!s.isRegular() || s.nlink() < 2) {
      return null;
    }
    try {
      for (String other : view.linksOf(p)) {
        if (!other.equals(p)) {
          return other;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the view cannot tell: the node goes stale once its known names are gone, as before
    }
    return null;
  }

  /**
   * Moves the last name of a regular file the kernel holds to a hidden name in the root, so that an
   * open file stays readable and writable after its name is gone; true if it did.
   */
  private boolean hideIfHeld(long parent, String child, FileStat s) throws IOException {
    if (!s.isRegular() || s.nlink() > 1 || readOnly) {
      return false;
    }
    NodeTable.Node node = table.at(parent, child);
    if (node == null || node.ino != s.ino()) {
      return false;
    }
    String hiddenName = HIDDEN + node.id;
    // a user's own file may have that name: never replace it
    for (int n = 1; view.exists("/" + hiddenName); n++) {
      hiddenName = HIDDEN + node.id + "-" + n;
    }
    String from = table.child(parent, child);
    try {
      view.rename(from, "/" + hiddenName);
      view.setXattr("/" + hiddenName, HeldUnlinked.MARKER, EMPTY);
    } catch (io.strata.store.error.ConflictException elsewhere) {
      // A container's volume (another file system): not movable to the root; removed at once.
      return false;
    }
    table.renamed(new NodeTable.Name(parent, child), new NodeTable.Name(Wire.ROOT_ID, hiddenName));
    return true;
  }

  private void rmdir(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String child = q.string();
    String p = child(q.nodeId, child);
    change(
        () -> {
          if (!view.stat(p).isDirectory()) {
            throw new Refusal(Errno.ENOTDIR);
          }
          if (!view.list(p).isEmpty()) {
            throw new Refusal(Errno.ENOTEMPTY);
          }
          view.remove(p, false);
        });
    table.removed(q.nodeId, child);
    synchronized (listings) {
      listings.remove(q.nodeId);
    }
    r.ok(q.unique);
  }

  private void rename(FuseRequest q, FuseReply r, long newDir, int flags) throws IOException {
    pending.settle();
    String oldName = q.string();
    String newName = q.string();
    if ((flags & Wire.RENAME_EXCHANGE) != 0 || (flags & ~Wire.RENAME_NOREPLACE) != 0) {
      throw new Refusal(Errno.EINVAL);
    }
    String from = child(q.nodeId, oldName);
    String to = child(newDir, newName);
    String[] replacedElsewhere = {null};
    change(
        () -> {
          boolean dir = view.stat(from).isDirectory();
          if (view.exists(to)) {
            if ((flags & Wire.RENAME_NOREPLACE) != 0) {
              throw new Refusal(Errno.EEXIST);
            }
            FileStat target = view.stat(to);
            if (dir && !target.isDirectory()) {
              throw new Refusal(Errno.ENOTDIR);
            }
            if (!dir && target.isDirectory()) {
              throw new Refusal(Errno.EISDIR);
            }
            if (target.isDirectory() && !view.list(to).isEmpty()) {
              throw new Refusal(Errno.ENOTEMPTY);
            }
            if (target.ino() != view.stat(from).ino() && !hideIfHeld(newDir, newName, target)) {
              replacedElsewhere[0] = otherName(to, target);
            }
          }
          view.rename(from, to);
        });
    table.renamed(
        new NodeTable.Name(q.nodeId, oldName),
        new NodeTable.Name(newDir, newName),
        replacedElsewhere[0]);
    synchronized (listings) {
      listings.remove(q.nodeId);
      listings.remove(newDir);
    }
    r.ok(q.unique);
  }

  // ---- content ----

  private void open(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int flags = q.u32();
    if (noOpen) {
      // Told ENOSYS once, the kernel opens files on its own from then on (no OPEN, no RELEASE).
      throw new Refusal(Errno.ENOSYS);
    }
    FileStat s = view.stat(path(q.nodeId));
    if (s.isDirectory()) {
      throw new Refusal(Errno.EISDIR);
    }
    if (readOnly && (flags & O_ACCMODE) != 0) {
      throw new Refusal(Errno.EROFS);
    }
    // A host file (served by name) is changed by others directly: its pages are read anew at each
    // open rather than kept from an earlier one.
    int keep = table.byInode(s.ino()) ? Wire.FOPEN_KEEP_CACHE : 0;
    r.ok(q.unique).u64(0).u32(keep).u32(0);
  }

  private void opendir(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    if (noOpendir) {
      throw new Refusal(Errno.ENOSYS);
    }
    if (!view.stat(path(q.nodeId)).isDirectory()) {
      throw new Refusal(Errno.ENOTDIR);
    }
    r.ok(q.unique).u64(0).u32(Wire.FOPEN_KEEP_CACHE | Wire.FOPEN_CACHE_DIR).u32(0);
  }

  private void read(FuseRequest q, FuseReply r) throws IOException {
    String p = path(q.nodeId);
    pending.settleBeforeReading(p);
    q.skip(8); // fh
    long offset = q.u64();
    int size = q.u32();
    byte[] b = REQUESTS.take();
    try {
      int want = Math.min(size, b.length);
      int done = 0;
      while (done < want) {
        int n = view.read(p, offset + done, b, done, want - done);
        if (n <= 0) {
          break;
        }
        done += n;
      }
      r.ok(q.unique).bytes(b, 0, done);
    } finally {
      REQUESTS.give(b);
    }
  }

  /**
   * {@code SEEK_DATA} and {@code SEEK_HOLE} (the kernel answers the other whence values): {@code
   * cp} and {@code tar --sparse} find a sparse file's holes so, rather than read and write its
   * zeros.
   */
  private void lseek(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    q.skip(8); // fh
    long offset = q.u64();
    int whence = q.u32();
    if (whence != Wire.SEEK_DATA && whence != Wire.SEEK_HOLE) {
      throw new Refusal(Errno.EINVAL);
    }
    long at = view.seek(path(q.nodeId), offset, whence == Wire.SEEK_HOLE);
    if (at < 0) {
      throw new Refusal(Errno.ENXIO);
    }
    r.ok(q.unique).u64(at);
  }

  private void write(FuseRequest q, FuseReply r) throws IOException {
    q.skip(8); // fh
    long offset = q.u64();
    int size = q.u32();
    q.skip(4 + 8); // write_flags, lock_owner
    int flags = q.u32();
    q.skip(4); // padding
    if (readOnly) {
      throw new Refusal(Errno.EROFS);
    }
    byte[] b = REQUESTS.take();
    int len;
    try {
      len = q.bytes(b, Math.min(size, b.length));
      NodeTable.Node node = table.get(q.nodeId);
      String p = path(q.nodeId);
      if (node != null && !pending.continues(p, offset)) {
        // The file may have been removed or replaced beside the mount (strata fs rm|mv, cp in): a
        // write by path would make the name anew, zeros up to the offset (docs/ADVERSARIAL.md, N0).
        // The kernel's file is gone from the tree: stale, as an NFS client's is.
        FileStat now;
        try {
          now = view.stat(p);
        } catch (io.strata.store.error.NotFoundException gone) {
          throw new Refusal(Errno.ESTALE);
        }
        if (now.ino() != node.ino) {
          throw new Refusal(Errno.ESTALE);
        }
      }
      if ((flags & O_APPEND) != 0 && node != null && !table.byInode(node.ino)) {
        // A host file served by name: the kernel took the offset from the size its inode for this
        // name and mount holds, which other names, containers and the host change behind it; the
        // host's O_APPEND puts the bytes at the file's real end (docs/ADVERSARIAL.md, N2).
        pending.append(p, b, 0, len);
      } else {
        pending.write(p, offset, b, 0, len);
      }
    } finally {
      REQUESTS.give(b);
    }
    pending.wrote(len);
    r.ok(q.unique).u32(len).u32(0);
  }

  private void fsync(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    if (!readOnly) {
      try {
        // A host file alone, as the host's fsync does; anything else (the layer's files, a node
        // with no name left) makes every change of the mount durable, through the layer's intent
        // log when it has one (one forced append instead of a commit of the tree).
        String p = table.path(q.nodeId);
        if (p != null && view.sharedWithHost(p)) {
          pending.syncHostFile(p);
        } else {
          pending.fsync();
        }
      } catch (PendingChanges.LostChanges e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
    }
    r.ok(q.unique);
  }

  private void readdir(FuseRequest q, FuseReply r, boolean plus) throws IOException {
    pending.settle();
    q.skip(8); // fh
    long offset = q.u64();
    int size = q.u32();
    long dir = q.nodeId;
    List<DirEntry> entries;
    synchronized (listings) {
      entries = offset == 0 ? null : listings.get(dir);
    }
    if (entries == null) {
      entries = view.list(path(dir));
      synchronized (listings) {
        listings.put(dir, entries);
      }
    }
    NodeTable.Node self = table.get(dir);
    long selfIno = self == null ? 0 : self.ino;
    r.ok(q.unique);
    int limit = Wire.OUT_HEADER + Math.min(size, r.room() - Wire.OUT_HEADER);
    int total = entries.size() + 2;
    int i = (int) Math.min(offset, total);
    for (; i < total; i++) {
      String child;
      FileStat s;
      if (i < 2) {
        child = i == 0 ? "." : "..";
        s = null;
      } else {
        DirEntry e = entries.get(i - 2);
        child = e.name();
        s = e.stat();
        if (hidden(dir, child)) {
          continue;
        }
      }
      byte[] nm = FuseReply.utf8(child);
      int mode = s == null ? FileStat.S_IFDIR : s.mode();
      long ino = s == null ? selfIno : s.ino();
      if (plus) {
        int need = Wire.ENTRY_OUT + FuseReply.direntSize(nm.length);
        if (r.buf.position() + need > limit) {
          break;
        }
        if (s == null) {
          r.entry(0, null, 0, 0, MAX_IO);
        } else {
          NodeTable.Node node = table.lookedUp(dir, child, s);
          r.entry(node.id, s, entryMillis(s), attrMillis(s), MAX_IO);
        }
        r.dirent(nm, ino, mode, i + 1, limit);
      } else if (!r.dirent(nm, ino, mode, i + 1, limit)) {
        break;
      }
    }
    if (i >= total) {
      synchronized (listings) {
        listings.remove(dir);
      }
    }
  }

  // ---- extended attributes ----

  private void setxattr(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    int size = q.u32();
    int flags = q.u32();
    String attr = q.string();
    int refused = Xattrs.checkSet(attr, size);
    if (refused != 0) {
      throw new Refusal(refused);
    }
    byte[] value = q.bytes(size);
    String p = path(q.nodeId);
    change(() -> xattrs.set(p, attr, value, flags));
    r.ok(q.unique);
  }

  private void getxattr(FuseRequest q, FuseReply r) throws IOException {
    // No settle: the kernel asks for security.capability before every write (to drop file
    // capabilities), and extended attributes do not depend on the bytes held.
    int size = q.u32();
    q.skip(4);
    String attr = q.string();
    sized(q, r, size, xattrs.get(path(q.nodeId), attr));
  }

  private void listxattr(FuseRequest q, FuseReply r) throws IOException {
    int size = q.u32();
    q.skip(4);
    sized(q, r, size, xattrs.list(path(q.nodeId)));
  }

  /** The size-query protocol: size 0 asks for the length, a smaller buffer is ERANGE. */
  private static void sized(FuseRequest q, FuseReply r, int size, byte[] v) {
    if (size == 0) {
      r.ok(q.unique).u32(v.length).u32(0);
    } else if (size < v.length) {
      throw new Refusal(Errno.ERANGE);
    } else {
      r.ok(q.unique).bytes(v, 0, v.length);
    }
  }

  private void removexattr(FuseRequest q, FuseReply r) throws IOException {
    pending.settle();
    String attr = q.string();
    String p = path(q.nodeId);
    change(() -> xattrs.remove(p, attr));
    r.ok(q.unique);
  }
}

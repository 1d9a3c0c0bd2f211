package io.strata.store.fs;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.TooLargeException;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.roaringbitmap.RoaringBitmap;

/**
 * A POSIX-like file system kept in a {@link CowTree}: inodes, directory entries, back-references
 * for hard links, extended attributes, and content items laid out by the driver's {@link
 * FileLayout}. Shared by every driver; what differs between them is the layout and how snapshots
 * are named and related.
 *
 * <p>As jimfs keeps lookup, the file model and storage apart, this class only orders operations and
 * holds the lock; the parts are: lookup ({@link PathResolver}: paths to inodes; {@link
 * Directories}: names, entries, back-references), the file model ({@link Inodes}: attributes,
 * numbering, xattrs; {@link FileContents} and {@link TreeFileData}: file bytes through the layout),
 * and the storage ({@link DurableTree}: the tree, its session and durable root; {@link FsKeys}: the
 * items' keys; {@link TreeFormat}: a whole tree).
 *
 * <p>Each change runs against the in-memory tree and is then made durable through the {@link
 * Binding} (tree nodes flushed, the owner's root updated by a small delta). A change that fails
 * half-way is rolled back to the last durable state, so a refused operation leaves nothing behind.
 *
 * <p><b>Locking.</b> One {@link ReentrantReadWriteLock} guards all state: the tree, its write
 * session, the durable root, the gained chunk ids ({@link DurableTree}), {@code defer}, and the
 * layout's own fields. Its read lock is held by the reads ({@link #stat}, {@link #exists}, {@link
 * #list}, {@link #read}, {@link #readlink}, {@link #getXattr}, {@link #listXattrs}, {@link
 * #resolvePath}, {@link #pathOf}, {@link #committedRoot}, {@link #tree}), which therefore run in
 * parallel: a mount's FUSE threads, containers reading the same snapshot. What they reach is safe
 * to share: the tree's read path changes nothing but the shared {@link NodeCache} (synchronized)
 * and per-thread buffers; chunk reads ({@link ChunkAccess#read}) are thread-safe; a layout's {@code
 * read} keeps the chunks it read in the process's set ({@link LastChunk}). Its write lock is held
 * by every change and by {@link #sync}, {@link #deferSync}, {@link #discard}, {@link #quiesced},
 * {@link #reload} and {@link #exclusively}; a change therefore never runs beside a read, and a read
 * sees the state before or after each call, never a half-made one. The lock is reentrant, and a
 * holder of the write lock may read; a reader must never ask for the write lock (it would wait
 * forever). Non-fair: readers do not overtake a writer already waiting, so a stream of reads never
 * starves a change.
 */
public final class TreeFileSystem implements FileSystemView {
  /** The root directory's inode number. */
  public static final long ROOT = Directories.ROOT;

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

  /** A change to run against the tree; rolled back if it throws. */
  @FunctionalInterface
  public interface Change {
    void run() throws IOException;
  }

  /** Work run under one of the locks. */
  @FunctionalInterface
  private interface Locked<T, E extends Exception> {
    T run() throws E;
  }

  private static final System.Logger LOG = System.getLogger(TreeFileSystem.class.getName());

  /**
   * The largest value an extended attribute whose name takes {@code nameBytes} can hold: the name
   * and value share one tree item of at most {@link CowTree#MAX_ENTRY} bytes, 5 KiB, with the
   * item's inode and type (9 bytes). More than ext4, the file system most Docker hosts have, holds
   * in one attribute (a 4 KiB block); Btrfs holds more, XFS up to the kernel's 64 KiB.
   */
  public static int maxXattrValue(int nameBytes) {
    return CowTree.MAX_ENTRY - 9 - nameBytes;
  }

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final boolean readOnly;
  private final LoggedClock clock;
  private final DurableTree tree;
  private final Inodes inodes;
  private final Directories directories;
  private final PathResolver paths;
  private final FileContents contents;
  private final FileLayout layout;
  private final AccessLog access = new AccessLog();
  private boolean defer;
  // held changes a failed change took with it (see #undo), reported once by the next sync
  private HeldChangesLost lostHeld;
  // where held changes go at an fsync (syncLogged); null: every fsync commits the tree
  private IntentLog intentLog;
  // acknowledged changes of the intent log a rollback could not apply again (a full disk): every
  // change and commit tries again first, and fails while they cannot be (see #afterRollback)
  private IOException unapplied;
  private boolean reapplying;
  // set while a change runs, so that a change made of others is logged once, as itself
  private boolean inChange;
  private boolean replaying;

  public TreeFileSystem(
      ChunkAccess chunks,
      NodeCache cache,
      Digest root,
      FileLayout layout,
      boolean readOnly,
      Binding binding,
      LongSupplier clock) {
    this.readOnly = readOnly;
    this.clock = new LoggedClock(clock);
    this.tree = new DurableTree(chunks, cache, root, binding);
    this.inodes = new Inodes(tree, layout.directories());
    this.directories = new Directories(tree, inodes, this.clock);
    this.paths = new PathResolver(directories, inodes);
    this.contents = new FileContents(tree, layout);
    this.layout = layout;
  }

  /** Writes an empty file system (a root directory, mode 0755) in {@code session}. */
  public static Formatted format(
      ChunkAccess chunks, NodeCache cache, WriteSession session, long nowNanos) {
    return TreeFormat.format(chunks, cache, session, nowNanos);
  }

  /**
   * Every chunk the tree rooted at {@code root} references: its nodes, and the chunks named by its
   * DATA items (whose values start with a digest, by the {@link FileLayout} contract). Reads every
   * node once; the cost follows the tree's size.
   */
  public static RoaringBitmap referencedChunks(ChunkAccess chunks, NodeCache cache, Digest root) {
    return TreeFormat.referencedChunks(chunks, cache, root);
  }

  /** A buffer large enough for any chunk, for layouts that read whole chunks. */
  public static byte[] chunkBuffer() {
    return new byte[ChunkerParams.MAX_CHUNK];
  }

  /**
   * Runs {@code work} with this file system's changes held off and its state durable, so that the
   * committed root is exactly what the store holds. Held changes lost earlier are not reported
   * here: {@code work} is the store's (a gc's recount, a rollback), and the report is the mount's,
   * at its next {@link #sync}, as a kernel reports a failed write-back at the file's next fsync;
   * reported here it failed that gc once and the mount never heard of it (R2). Held changes this
   * commit itself fails to make durable are likewise kept for the mount's report.
   */
  public void quiesced(Change work) throws IOException {
    exclusively(
        () -> {
          boolean held = defer && tree.changing();
          try {
            commitWithAccessTimes();
          } catch (IOException | RuntimeException e) {
            if (held) {
              // dropped by the failed commit: the mount's next sync says so
              HeldChangesLost lost = new HeldChangesLost(e);
              if (lostHeld == null) {
                lostHeld = lost;
              } else {
                lostHeld.addSuppressed(lost);
              }
            }
            throw e;
          }
          work.run();
        });
  }

  /**
   * Runs {@code work} holding the write lock, so that no other call runs meanwhile: what reads a
   * file's layout and acts on it needs (a reflink). {@code work} may call this file system.
   */
  public void exclusively(Change work) throws IOException {
    holding(
        lock.writeLock(),
        () -> {
          work.run();
          return null;
        });
  }

  /**
   * Makes {@code root} this file system's state, as if it had been opened on it: what the owner
   * does after replacing the snapshot's tree (a rollback), inside {@link #quiesced}, so that
   * holders of this object see the new tree and never write the old one back.
   */
  public void reload(Digest root) {
    holding(
        lock.writeLock(),
        () -> {
          tree.reload(root);
          access.clear();
          unapplied = null; // given up with the tree replaced
          restartLog();
          return null;
        });
  }

  private static <T, E extends Exception> T holding(Lock l, Locked<T, E> work) throws E {
    l.lock();
    try {
      return work.run();
    } finally {
      l.unlock();
    }
  }

  /** The root of the last durable state. */
  public Digest committedRoot() {
    return reading(tree::committedRoot);
  }

  /**
   * The tree (for diffs); callers must not change it, and read it only while no change runs (the
   * snapshot set diffs file systems it opened for that alone).
   */
  public CowTree tree() {
    return reading(tree::tree);
  }

  @Override
  public boolean finishIdleAppends() throws IOException {
    if (readOnly || !contents.hasUnfinishedAppends()) {
      return false;
    }
    boolean[] changed = {false};
    mutate(SAME_FILES, () -> changed[0] = contents.finishIdleAppends(inodes::regularOrNull));
    return changed[0];
  }

  /** A tree numbers its inodes from one counter: a number is one file under all its names. */
  @Override
  public boolean inodeNamesOneFile(long ino) {
    return true;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  // ---- reading: under the read lock ----

  private <T, E extends Exception> T reading(Locked<T, E> r) throws E {
    return holding(lock.readLock(), r);
  }

  @Override
  public FileStat stat(String path) {
    return reading(
        () -> {
          long ino = paths.resolve(path, false).existing(path);
          Inode in = inodes.get(ino);
          return statWithStorage(ino, in.withAtime(atime(ino, in)));
        });
  }

  /**
   * What stat says of inode {@code ino}: du and cp --sparse read holes from st_blocks, so a regular
   * file's is its storage, not its size (kept for a large file, whose layout would walk all its
   * items: FileContents).
   */
  private FileStat statWithStorage(long ino, Inode in) {
    FileStat st = inodes.stat(ino, in);
    return st.isRegular() ? st.withAllocatedBytes(contents.allocatedBytes(ino, in)) : st;
  }

  @Override
  public long seek(String path, long offset, boolean hole) throws IOException {
    if (offset < 0) {
      throw new InvalidArgumentException("path " + path + ": negative offset " + offset);
    }
    return reading(
        () -> {
          long ino = paths.resolve(path, true).existing(path);
          return contents.seek(ino, inodes.regular(ino, path), offset, hole);
        });
  }

  @Override
  public boolean exists(String path) {
    return reading(
        () -> {
          try {
            return paths.resolve(path, false).ino() >= 0;
          } catch (NotFoundException e) {
            return false;
          }
        });
  }

  @Override
  public List<DirEntry> list(String path) throws IOException {
    List<DirEntry> out =
        reading(
            () -> {
              long dir = paths.resolve(path, true).existing(path);
              Inode in = inodes.get(dir);
              if (!in.stat(dir).isDirectory()) {
                throw new InvalidArgumentException("path " + path + ": not a directory");
              }
              // a listing's attributes are what FUSE's READDIRPLUS shows until they expire: a
              // sparse file listed with its size as its storage showed 10 GiB of blocks to ls -s
              // and du for a second (docs/ADVERSARIAL.md, AJ2)
              List<DirEntry> entries = directories.list(dir, this::statWithStorage);
              accessed(dir, in); // as readdir does
              return entries;
            });
    writeAccessTimesIfDue();
    return out;
  }

  @Override
  public int read(String path, long offset, byte[] dst, int off, int len) throws IOException {
    int n =
        reading(
            () -> {
              long ino = paths.resolve(path, true).existing(path);
              Inode in = inodes.regular(ino, path);
              if (offset < 0) {
                throw new InvalidArgumentException("path " + path + ": negative offset " + offset);
              }
              int read = contents.read(ino, in, offset, dst, off, len);
              accessed(ino, in);
              return read;
            });
    writeAccessTimesIfDue();
    return n;
  }

  // ---- access times: set by reads in memory, written with the next change ----

  /** The access time of {@code ino} as stat shows it: a read's not yet written, or the tree's. */
  private long atime(long ino, Inode in) {
    Long pending = access.get(ino);
    return pending != null ? pending : inodes.atime(ino, in);
  }

  /**
   * Notes that {@code ino} was read, under the read lock: if the layout's rule says so, its access
   * time becomes now, in memory only (see {@link AccessLog}). A read-only snapshot never changes.
   */
  private void accessed(long ino, Inode in) {
    if (readOnly) {
      return;
    }
    AccessTimes rule = layout.accessTimes();
    if (rule == AccessTimes.NEVER) {
      return;
    }
    long now = clock.getAsLong();
    if (rule.changes(atime(ino, in), in.mtime(), in.ctime(), now)) {
      access.record(ino, now);
    }
  }

  /**
   * Puts the access times reads set into the tree, in the change being made (opened if none is):
   * called just before a commit, under the write lock. Returns what it took from the log, for the
   * caller to put back if the commit fails. Written whatever the rule is now: as in ZFS, turning
   * {@code atime} off stops reads from setting access times, not the write of those already set.
   */
  private Map<Long, Long> writeAccessTimes() {
    if (access.isEmpty()) {
      return Map.of();
    }
    Map<Long, Long> taken = access.drain();
    tree.session();
    taken.forEach(inodes::putAtime);
    return taken;
  }

  /**
   * Commits the change being made with the access times reads set; rolls back if it fails. Access
   * times that fail on their own, with no change of the caller's (the owner refuses every change of
   * a dataset made read-only since), are dropped instead of failing the sync: they are not what the
   * caller asked to make durable, and a read-only file system drops them too.
   */
  private void commitWithAccessTimes() throws IOException {
    boolean accessTimesOnly = !tree.changing();
    Map<Long, Long> taken = Map.of();
    checkApplied();
    try {
      taken = writeAccessTimes();
      tree.commit();
      restartLog();
    } catch (IOException | RuntimeException e) {
      tree.rollback();
      if (DiskFull.causedBy(e)) {
        // What could not be written would fail every later commit, a removal's too (G6).
        tree.chunks().abandonUnwritable();
      }
      afterRollback();
      if (accessTimesOnly) {
        LOG.log(
            System.Logger.Level.DEBUG, "access times of {0} reads dropped: {1}", taken.size(), e);
        return;
      }
      access.restore(taken, clock.getAsLong());
      throw e;
    }
  }

  /**
   * Writes the access times reads set once the oldest has waited {@link
   * AccessLog#FLUSH_AFTER_NANOS}, as ZFS writes its transaction group, when no deferred change is
   * open (those wait for their sync, which writes them too). Called by a read after it let go of
   * the read lock; a failure is never the read's.
   */
  private void writeAccessTimesIfDue() {
    if (!access.due(clock.getAsLong())) {
      return;
    }
    flushAccessTimes();
  }

  /**
   * Writes the access times reads set and no change has written yet, unless a deferred change is
   * open (its sync writes them): what a driver does when it closes, as ZFS writes them with its
   * last transaction group. A failure drops them and is logged.
   */
  public void flushAccessTimes() {
    holding(
        lock.writeLock(),
        () -> {
          if (!defer && !tree.changing() && !access.isEmpty()) {
            try {
              commitWithAccessTimes(); // no change of anyone's: a failure drops them
            } catch (IOException | RuntimeException e) {
              LOG.log(System.Logger.Level.WARNING, "access times not written: {0}", e);
            }
          }
          return null;
        });
  }

  @Override
  public InputStream open(String path) throws IOException {
    FileStat st = stat(resolvePath(path));
    if (!st.isRegular()) {
      throw new InvalidArgumentException("path " + path + ": not a regular file");
    }
    String target = resolvePath(path);
    // Each read takes the read lock on its own: a stream held open blocks no change.
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
  public String resolvePath(String path) {
    return reading(() -> directories.pathOf(paths.resolve(path, true).existing(path)));
  }

  @Override
  public String readlink(String path) {
    return reading(
        () -> {
          long ino = paths.resolve(path, false).existing(path);
          Inode in = inodes.get(ino);
          if (in.target() == null) {
            throw new InvalidArgumentException("path " + path + ": not a symlink");
          }
          return in.target();
        });
  }

  @Override
  public byte[] getXattr(String path, String name) {
    return reading(() -> inodes.xattr(paths.resolve(path, false).existing(path), name));
  }

  @Override
  public List<String> listXattrs(String path) {
    return reading(() -> inodes.xattrNames(paths.resolve(path, false).existing(path)));
  }

  @Override
  public List<String> linksOf(String path) {
    return reading(() -> directories.pathsOf(paths.resolve(path, false).existing(path)));
  }

  /**
   * Whether {@code before} and {@code after}, two versions of one INODE item, differ in what a hard
   * link's other names do to it alone (the link count, the change time): for a diff, which lists a
   * file only when the file changed, as docker diff does.
   */
  public static boolean differInLinksOnly(byte[] before, byte[] after) {
    return Inode.differInLinksOnly(before, after);
  }

  /** The path of inode {@code ino} (its first name, for hard links), from its back-references. */
  public String pathOf(long ino) {
    return reading(() -> directories.pathOf(ino));
  }

  // ---- changing: under the write lock ----

  /**
   * What a change records in the intent log: its record, given the clock readings it made; null
   * from {@link #NOT_LOGGED}, or as the intent itself, for a change the log cannot express.
   */
  @FunctionalInterface
  private interface Intent {
    byte[] record(long[] readings);
  }

  /** A change that alters no file's content, names or attributes: nothing to replay. */
  private static final Intent SAME_FILES = readings -> null;

  /**
   * Runs {@code c} as one change: durable at its end unless deferred, rolled back if it throws.
   * Deferred, its {@code intent} is held for the intent log; a null intent (a whole file from a
   * stream, which the log does not hold) leaves the changes to the next commit of the tree.
   */
  private void mutate(Intent intent, Change c) throws IOException {
    exclusively(
        () -> {
          if (readOnly) {
            throw new ConflictException("this snapshot is read-only");
          }
          if (!inChange) {
            checkApplied();
          }
          boolean logged = defer && intentLog != null && !replaying && !inChange;
          boolean outer = !inChange;
          inChange = true;
          tree.savepoint();
          tree.session();
          if (logged) {
            clock.record();
          }
          try {
            c.run();
          } catch (IOException | RuntimeException e) {
            if (logged) {
              clock.recorded();
            }
            undo(e);
            throw e;
          } finally {
            if (outer) {
              inChange = false;
            }
          }
          if (logged) {
            long[] readings = clock.recorded();
            if (intent == null) {
              intentLog.giveUp();
            } else if (intent != SAME_FILES) {
              intentLog.hold(intent.record(readings));
            }
          }
          if (!defer) {
            commitWithAccessTimes();
          }
        });
  }

  /** The tree's committed root changed, or its held changes went: the log starts over on it. */
  private void restartLog() {
    if (intentLog != null) {
      intentLog.restart(tree.committedRoot());
    }
  }

  /**
   * Gives this file system an intent log: from now on the changes it holds (deferred, as a mount's
   * are) are recorded for {@link #syncLogged}. The log starts on the committed root; what a crash
   * left in it must have been replayed ({@link #replay}) before.
   */
  public void attachIntentLog(IntentLog log) {
    holding(
        lock.writeLock(),
        () -> {
          intentLog = log;
          restartLog();
          return null;
        });
  }

  /** The intent log, or null. */
  public IntentLog intentLog() {
    return reading(() -> intentLog);
  }

  /**
   * Makes every change so far durable, as {@link #sync}, the cheap way an fsync needs: the changes
   * held since the last commit go to the intent log, forced, and the tree is committed later (the
   * next {@link #sync}). Without a log, or when it cannot express them all, the tree is committed.
   */
  @Override
  public void syncLogged() throws IOException {
    exclusively(
        () -> {
          if (intentLog == null
              || !defer
              || lostHeld != null
              || unapplied != null
              || !intentLog.canForce()) {
            sync();
            return;
          }
          try {
            intentLog.force();
          } catch (IOException e) {
            // the log's disk refused it (full, failing): a commit may still succeed
            LOG.log(
                System.Logger.Level.WARNING,
                "intent log {0}: {1}; committing the tree instead",
                intentLog.file(),
                e.toString());
            sync();
          }
        });
  }

  /**
   * Applies the changes an intent log holds (records written by {@link #syncLogged} before a crash)
   * to this file system, opened on the committed root the log starts from, and commits them.
   * Throws, changing nothing, when one cannot be made again.
   */
  public void replay(LoggedChanges changes) throws IOException {
    exclusively(
        () -> {
          boolean was = defer;
          defer = true;
          replaying = true;
          int[] done = {0};
          String[] current = {""};
          try {
            changes.forEach(
                r -> {
                  current[0] = IntentRecords.name(r);
                  IntentRecords.replay(this, r);
                  done[0]++;
                });
            replaying = false;
            commitWithAccessTimes();
          } catch (IOException | RuntimeException e) {
            tree.rollback();
            restartLog();
            throw new IOException(
                (done[0] == changes.count()
                        ? "the commit of its " + done[0] + " replayed changes failed: "
                        : "change "
                            + (done[0] + 1)
                            + " of "
                            + changes.count()
                            + " ("
                            + current[0]
                            + ") could not be made again: ")
                    + e.getMessage(),
                e);
          } finally {
            replaying = false;
            defer = was;
          }
        });
  }

  /** Runs one replayed change with the clock readings it made when it was first made. */
  void replayed(long[] readings, Change c) throws IOException {
    clock.replay(readings);
    try {
      c.run();
    } finally {
      clock.endReplay();
    }
  }

  /**
   * Undoes the change that failed with {@code e}, alone. Only when it cannot be (it stored tree
   * nodes before it failed: a spill of a large change) does everything since the last sync go with
   * it; changes held for a sync (a mount's) are then lost, which the log says and the next {@link
   * #sync} reports, as a kernel reports a failed write-back at the next fsync.
   */
  private void undo(Exception e) {
    if (tree.rollbackToSavepoint()) {
      if (DiskFull.causedBy(e)) {
        if (defer && tree.changing()) {
          settleOnFullDisk(e);
        }
        // What the failed change stored waits for room too, ahead of the next change's nodes.
        tree.chunks().abandonUnwritable();
      }
      return;
    }
    boolean held = defer && tree.changing();
    tree.rollback();
    if (DiskFull.causedBy(e)) {
      tree.chunks().abandonUnwritable();
    }
    afterRollback();
    if (held) {
      LOG.log(
          System.Logger.Level.WARNING,
          "a change failed after it stored part of itself; the changes held since the last fsync"
              + " are dropped with it: {0}",
          e.toString());
      lostHeld = new HeldChangesLost(e);
    }
  }

  /**
   * After the tree was rolled back to its committed root (a commit or a change failed): the intent
   * log starts over on that root, unless it holds batches an fsync acknowledged, which stay in it
   * and are applied to the tree again from it. Restarting the log took them: a file an fsync had
   * acknowledged vanished from the mount, and from the store at the next commit or crash, when a
   * later write or a commit met a full disk (tester AS1). When they cannot be applied now (the disk
   * too full to store their bytes again) the log keeps them, a restart replays them, and every
   * change and commit here tries again first and fails until they are: a commit of the tree without
   * them would make their loss durable.
   */
  private void afterRollback() {
    if (reapplying) {
      return; // the reapply that failed says so
    }
    if (intentLog == null || !intentLog.acknowledged()) {
      restartLog();
      return;
    }
    intentLog.dropHeld();
    reapplyAcknowledged();
  }

  /** Applies the intent log's acknowledged batches to the rolled-back tree, held as before. */
  private void reapplyAcknowledged() {
    reapplying = true;
    try {
      LoggedChanges acknowledged = LoggedChanges.read(intentLog.file(), tree.committedRoot());
      boolean was = replaying;
      replaying = true;
      try {
        acknowledged.forEach(r -> IntentRecords.replay(this, r));
      } finally {
        replaying = was;
      }
      if (unapplied != null) {
        LOG.log(
            System.Logger.Level.INFO,
            "intent log {0}: its {1} acknowledged changes are applied again",
            intentLog.file(),
            acknowledged.count());
      }
      unapplied = null;
    } catch (IOException | RuntimeException e) {
      tree.rollback();
      if (DiskFull.causedBy(e)) {
        tree.chunks().abandonUnwritable();
      }
      if (unapplied == null) {
        LOG.log(
            System.Logger.Level.WARNING,
            "intent log {0}: the changes an fsync acknowledged cannot be applied again after a"
                + " failed commit ({1}); the log keeps them, and changes here fail until they are"
                + " applied (once there is room) or replayed at the next start",
            intentLog.file(),
            e.toString());
      }
      unapplied =
          new IOException(
              "changes an fsync acknowledged cannot be applied again after a failed commit ("
                  + e.getMessage()
                  + "); the intent log "
                  + intentLog.file()
                  + " keeps them",
              e);
    } finally {
      reapplying = false;
    }
  }

  /**
   * Throws while acknowledged changes a rollback took are not applied again (see {@link
   * #afterRollback}), after trying once more.
   */
  private void checkApplied() throws IOException {
    if (unapplied == null || reapplying) {
      return;
    }
    reapplyAcknowledged();
    if (unapplied != null) {
      throw new IOException(unapplied.getMessage(), unapplied.getCause());
    }
  }

  /**
   * After a held change failed on a full disk (undone alone): commits the changes held before it
   * now, while nothing else is held with them. The chunks of the writes held since the last sync
   * wait in the store for room that a full disk does not have, and every later commit would fail
   * behind them, a removal's too, so that a file removed to free the space came back once the mount
   * dropped its held changes (G6). Either they become durable now or they are given up now (the
   * store cuts back what cannot be written, which frees what of it reached the disk), the next sync
   * reporting the loss; what comes after (the removal) commits on its own.
   */
  private void settleOnFullDisk(Exception cause) {
    try {
      commitWithAccessTimes();
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "a change failed on a full disk and the changes held since the last sync cannot be"
              + " made durable; they are dropped: {0}",
          e.toString());
      lostHeld = new HeldChangesLost(e);
      lostHeld.addSuppressed(cause);
    }
  }

  /**
   * Runs {@code c} as {@link #mutate} does, after the layout admitted a change that stores no
   * content through it (see {@link FileLayout#admitMetadataChange}).
   */
  private void mutateMetadata(Intent intent, Change c) throws IOException {
    mutate(
        intent,
        () -> {
          layout.admitMetadataChange();
          c.run();
        });
  }

  @Override
  public void deferSync(boolean on) throws IOException {
    exclusively(
        () -> {
          if (!on && defer) {
            defer = false;
            sync();
          }
          defer = on;
        });
  }

  @Override
  public void discard() {
    holding(
        lock.writeLock(),
        () -> {
          tree.rollback();
          unapplied = null; // given up with the rest
          restartLog();
          return null;
        });
  }

  @Override
  public void sync() throws IOException {
    exclusively(
        () -> {
          commitWithAccessTimes();
          IOException lost = lostHeld;
          if (lost != null) {
            lostHeld = null;
            throw lost;
          }
        });
  }

  @Override
  public void write(String path, long offset, byte[] b, int off, int len) throws IOException {
    if (offset < 0) {
      throw new InvalidArgumentException("path " + path + ": negative offset " + offset);
    }
    if (offset > MAX_FILE_SIZE - len) {
      throw new InvalidArgumentException(
          "path "
              + path
              + ": a write of "
              + len
              + " bytes at offset "
              + offset
              + " would end past the largest file size, "
              + MAX_FILE_SIZE
              + " bytes");
    }
    mutate(
        readings ->
            IntentRecords.of(IntentRecords.Op.WRITE)
                .string(path)
                .i64(offset)
                .bytes(b, off, len)
                .with(readings),
        () -> {
          Resolved r = paths.resolve(path, true);
          long ino =
              r.ino() >= 0
                  ? r.ino()
                  : directories.create(
                      r, path, new Inode(FileStat.S_IFREG | 0644, 0, 0, 1, 0, 0, 0, 0, null));
          Inode in = inodes.regular(ino, path);
          long now = clock.getAsLong();
          if (len > 0) {
            contents.growing(ino, in, offset + len, offset);
          }
          Inode grown = in.withSize(Math.max(in.size(), offset + len), now);
          inodes.put(ino, grown);
          contents.write(ino, grown, offset, b, off, len);
        });
  }

  @Override
  public void writeFile(String path, InputStream in, int mode, int uid, int gid, long mtimeNanos)
      throws IOException {
    mutate(
        null, // a whole file from a stream: the next sync commits it
        () -> {
          Resolved r = paths.resolve(path, false);
          long now = clock.getAsLong();
          if (r.ino() >= 0) {
            if (inodes.isDirectory(r.ino())) {
              throw new ConflictException("path " + path + ": is a directory");
            }
            directories.unlink(r.parent(), r.name(), r.ino());
          }
          int type = FileStat.S_IFREG | (mode & 07777);
          long ino =
              directories.create(r, path, new Inode(type, uid, gid, 1, 0, now, now, now, null));
          long size = contents.replace(ino, inodes.get(ino), in);
          inodes.put(ino, new Inode(type, uid, gid, 1, size, mtimeNanos, mtimeNanos, now, null));
        });
  }

  @Override
  public void overwrite(String path, InputStream in, long mtimeNanos) throws IOException {
    mutate(
        null, // a whole file from a stream: the next sync commits it
        () -> {
          Resolved r = paths.resolve(path, true);
          long now = clock.getAsLong();
          long ino =
              r.ino() >= 0
                  ? r.ino()
                  : directories.create(
                      r, path, new Inode(FileStat.S_IFREG | 0644, 0, 0, 1, 0, now, now, now, null));
          Inode old = inodes.regular(ino, path);
          contents.truncate(ino, old, 0);
          Inode empty = old.withSize(0, now);
          inodes.put(ino, empty);
          long size = contents.replace(ino, empty, in);
          inodes.put(ino, empty.withSize(size, now).withTimes(mtimeNanos, old.atime(), now));
        });
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    if (size < 0 || size > MAX_FILE_SIZE) {
      throw new InvalidArgumentException(
          "path "
              + path
              + ": size "
              + size
              + (size < 0 ? " is negative" : " is past the largest file size, " + MAX_FILE_SIZE));
    }
    mutate(
        readings ->
            IntentRecords.of(IntentRecords.Op.TRUNCATE).string(path).i64(size).with(readings),
        () -> {
          long ino = paths.resolve(path, true).existing(path);
          Inode in = inodes.regular(ino, path);
          contents.truncate(ino, in, size);
          inodes.put(ino, in.withSize(size, clock.getAsLong()));
        });
  }

  @Override
  public void mkdir(String path, int mode) throws IOException {
    mutateMetadata(
        readings -> IntentRecords.of(IntentRecords.Op.MKDIR).string(path).u32(mode).with(readings),
        () -> {
          Resolved r = paths.resolve(path, false);
          if (r.ino() >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          mkdirAt(r, path, mode);
        });
  }

  @Override
  public void mkdirs(String path, int mode) throws IOException {
    mutateMetadata(
        readings -> IntentRecords.of(IntentRecords.Op.MKDIRS).string(path).u32(mode).with(readings),
        () -> {
          String cur = "";
          for (String part : PathNames.split(path)) {
            cur = cur + "/" + part;
            Resolved r = paths.resolve(cur, true);
            if (r.ino() < 0) {
              mkdirAt(r, cur, mode);
            } else if (!inodes.isDirectory(r.ino())) {
              throw new ConflictException("path " + cur + ": exists and is not a directory");
            }
          }
        });
  }

  private void mkdirAt(Resolved r, String path, int mode) {
    long now = clock.getAsLong();
    directories.create(
        r, path, new Inode(FileStat.S_IFDIR | (mode & 07777), 0, 0, 2, 0, now, now, now, null));
  }

  @Override
  public void remove(String path, boolean recursive) throws IOException {
    mutate(
        readings ->
            IntentRecords.of(IntentRecords.Op.REMOVE).string(path).flag(recursive).with(readings),
        () -> {
          Resolved r = paths.resolve(path, false);
          long ino = r.existing(path);
          if (ino == ROOT) {
            throw new InvalidArgumentException("path /: the root cannot be removed");
          }
          directories.removeTree(r.parent(), r.name(), ino, recursive, path);
        });
  }

  @Override
  public void rename(String from, String to) throws IOException {
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.RENAME).string(from).string(to).with(readings),
        () -> {
          Resolved src = paths.resolve(from, false);
          long ino = src.existing(from);
          if (ino == ROOT) {
            throw new InvalidArgumentException("path /: the root cannot be renamed");
          }
          Resolved dst = paths.resolve(to, false);
          if (dst.ino() == ino) {
            return;
          }
          boolean dir = inodes.isDirectory(ino);
          if (dir) {
            for (long p = dst.parent(); p != ROOT; p = directories.parentOf(p)) {
              if (p == ino) {
                throw new InvalidArgumentException(
                    "rename " + from + " to " + to + ": into itself");
              }
            }
          }
          if (dst.ino() >= 0) {
            if (dir != inodes.isDirectory(dst.ino())) {
              throw new ConflictException(
                  "rename "
                      + from
                      + " to "
                      + to
                      + ": "
                      + (dir ? "target is not a directory" : "target is a directory"));
            }
            directories.removeTree(dst.parent(), dst.name(), dst.ino(), false, to);
          }
          directories.removeName(src.parent(), src.name(), ino);
          directories.addName(dst.parent(), dst.name(), ino);
          inodes.touch(src.parent(), clock.getAsLong());
          inodes.touch(dst.parent(), clock.getAsLong());
        });
  }

  @Override
  public void mknod(String path, int mode, long rdev) throws IOException {
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
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.MKNOD)
                .string(path)
                .u32(mode)
                .i64(rdev)
                .with(readings),
        () -> {
          Resolved r = paths.resolve(path, false);
          if (r.ino() >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          long now = clock.getAsLong();
          directories.create(
              r,
              path,
              new Inode(kind | (mode & 07777), 0, 0, 1, 0, now, now, now, null, device ? rdev : 0));
        });
  }

  @Override
  public void symlink(String target, String path) throws IOException {
    if (target.isEmpty() || target.indexOf('\0') >= 0) {
      throw new InvalidArgumentException("symlink " + path + ": invalid target");
    }
    int targetBytes = Directories.bytes(target).length;
    if (targetBytes > PathNames.MAX_SYMLINK) {
      throw new TooLargeException(
          "symlink "
              + path
              + ": a target of "
              + targetBytes
              + " bytes is longer than "
              + PathNames.MAX_SYMLINK
              + ", the most Linux allows");
    }
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.SYMLINK).string(target).string(path).with(readings),
        () -> {
          Resolved r = paths.resolve(path, false);
          if (r.ino() >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          long now = clock.getAsLong();
          long length = Directories.bytes(target).length;
          directories.create(
              r, path, new Inode(FileStat.S_IFLNK | 0777, 0, 0, 1, length, now, now, now, target));
        });
  }

  @Override
  public void link(String existing, String path) throws IOException {
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.LINK).string(existing).string(path).with(readings),
        () -> {
          long ino = paths.resolve(existing, false).existing(existing);
          Inode in = inodes.get(ino);
          if (in.stat(ino).isDirectory()) {
            throw new InvalidArgumentException(
                "link " + existing + ": hard links to directories are not allowed");
          }
          Resolved r = paths.resolve(path, false);
          if (r.ino() >= 0) {
            throw new AlreadyExistsException("path " + path + " exists already");
          }
          inodes.requireDir(r.parent(), path);
          directories.addName(r.parent(), r.name(), ino);
          inodes.put(ino, in.withLinks(in.nlink() + 1, clock.getAsLong()));
          inodes.touch(r.parent(), clock.getAsLong());
        });
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    mutateMetadata(
        readings -> IntentRecords.of(IntentRecords.Op.CHMOD).string(path).u32(mode).with(readings),
        () -> {
          long ino = paths.resolve(path, true).existing(path);
          inodes.put(ino, inodes.get(ino).withMode(mode, clock.getAsLong()));
        });
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    // Linux ids are 32-bit unsigned: one past 2^31-1 comes here negative. Layers keep ids up to
    // 2^31-1 (a tar with a larger one is refused at import), so such an owner could be neither
    // committed nor exported: refused here, as chown(2) refuses an id the system does not support.
    if (uid < 0 || gid < 0) {
      throw new InvalidArgumentException(
          "path "
              + path
              + ": owner id "
              + Integer.toUnsignedString(uid < 0 ? uid : gid)
              + " is beyond 2147483647, the most a layer keeps");
    }
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.CHOWN).string(path).u32(uid).u32(gid).with(readings),
        () -> {
          long ino = paths.resolve(path, false).existing(path);
          inodes.put(ino, inodes.get(ino).withOwner(uid, gid, clock.getAsLong()));
        });
  }

  @Override
  public void setTimes(String path, long mtimeNanos, long atimeNanos) throws IOException {
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.SET_TIMES)
                .string(path)
                .i64(mtimeNanos)
                .i64(atimeNanos)
                .with(readings),
        () -> {
          long ino = paths.resolve(path, false).existing(path);
          inodes.put(ino, inodes.get(ino).withTimes(mtimeNanos, atimeNanos, clock.getAsLong()));
          inodes.clearAtime(ino); // set explicitly: what reads set before no longer counts
          access.forget(ino);
        });
  }

  @Override
  public void setXattr(String path, String name, byte[] value) throws IOException {
    if (name.isEmpty()) {
      throw new InvalidArgumentException("xattr on " + path + ": the name is empty");
    }
    int nameBytes = Directories.bytes(name).length;
    if (nameBytes > PathNames.MAX_NAME) {
      throw new InvalidArgumentException(
          "xattr "
              + name.substring(0, 32)
              + "… on "
              + path
              + ": name of "
              + nameBytes
              + " bytes exceeds "
              + PathNames.MAX_NAME);
    }
    int most = maxXattrValue(nameBytes);
    if (value.length > most) {
      throw new TooLargeException(
          "xattr "
              + name
              + " on "
              + path
              + ": a value of "
              + value.length
              + " bytes is over the "
              + most
              + " one of that name can hold");
    }
    mutateMetadata(
        readings ->
            IntentRecords.of(IntentRecords.Op.SET_XATTR)
                .string(path)
                .string(name)
                .bytes(value)
                .with(readings),
        () -> inodes.setXattr(paths.resolve(path, false).existing(path), name, value));
  }

  @Override
  public void removeXattr(String path, String name) throws IOException {
    mutate(
        readings ->
            IntentRecords.of(IntentRecords.Op.REMOVE_XATTR)
                .string(path)
                .string(name)
                .with(readings),
        () -> inodes.removeXattr(paths.resolve(path, false).existing(path), name));
  }
}

package io.strata.fuse;

import io.strata.store.chunk.LentArrays;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldChangesLost;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What a writable mount has changed since its last durable point, and the one lock its changes and
 * syncs take. The view holds the changes ({@link FileSystemView#deferSync}); {@link #sync} makes
 * them durable as one group. A change made of several view calls runs whole under the lock, so a
 * sync never sees half of one.
 */
final class PendingChanges {
  private static final System.Logger LOG = System.getLogger(PendingChanges.class.getName());

  /** Written bytes after which a write makes everything durable itself, bounding held memory. */
  static final long SYNC_BYTES = 64L << 20;

  /**
   * The share of the data root's free space the writes held since the last sync may take before a
   * write syncs: as the disk fills, the mount syncs more often, and at a full disk every write is
   * made durable on its own. A write that then meets the full disk loses only itself (and what the
   * write-behind held of the same file), not the changes held before it, a removal of another file
   * among them (T4 in docs/ADVERSARIAL.md): they became durable while there was room. Those
   * changes' records cannot borrow the space reserve, which is kept for the removals that free the
   * disk. Much as ext4 stops delaying allocation when free blocks run low.
   */
  static final int FREE_SPACE_SHARE = 4;

  /**
   * The most bytes of consecutive writes to one file held before they go to the view: a multiple of
   * every record size, so that zfs stores whole records.
   */
  static final int HOLD_BYTES = 1 << 20;

  /**
   * The write-behind's buffers, lent for as long as a write is held and shared by every mount: one
   * per mount kept 1 MiB for its life (docs/ADVERSARIAL.md, N8; round 7, O3).
   */
  private static final LentArrays HOLDS = new LentArrays(HOLD_BYTES, 4);

  /** A change through the view. */
  @FunctionalInterface
  interface Change {
    void run() throws IOException;
  }

  /**
   * Changes the mount held were lost (a background sync or a held write failed, or the view dropped
   * them): the next fsync, or the unmount, says so in one sentence naming the mount. The view's own
   * report of a loss already says "were lost" ({@link HeldChangesLost}): only its reason is used.
   */
  static final class LostChanges extends IOException {
    LostChanges(String mount, Throwable cause) {
      super(
          "mount "
              + mount
              + ": changes held since the last sync were lost: "
              + HeldChangesLost.reasonOf(cause),
          cause);
    }
  }

  private final FileSystemView view;
  private final String name;
  private final LongSupplier freeSpace;
  private final Object lock = new Object();
  private final AtomicLong unsyncedBytes = new AtomicLong();
  private volatile boolean dirty;
  // changed since the last fsync or sync: what an fsync has to make durable (dirty stays set after
  // an fsync that wrote the changes to the intent log, for the periodic sync to commit them)
  private boolean unlogged;
  private volatile Throwable lost;

  // Write-behind: the kernel hands over a file written in small pieces (a shell's 8 KiB, a
  // program's 4 KiB) one call at a time. Given to the view one by one, every piece rewrites the
  // record or extent it ends in: on zfs, appending 3 MB in 8 KiB writes stored 24 MiB (each
  // record's every partial version) until gc. So consecutive writes to one file are gathered, up
  // to HOLD_BYTES, and given to the view as one write before anything else happens on the mount:
  // every other call settles first, as does every sync, but for reads of other files: a process
  // copying a file within the mount reads between its writes, and settling then gave the view a
  // file in 64-256 KiB pieces (each piece's tail stored again when the next continues it).
  private String heldPath;
  private long heldOffset;
  private byte[] held;
  private int heldLength;

  /**
   * Whether the held file had other names (hard links) when holding began: a read by any may see
   * it.
   */
  private boolean heldLinked;

  private volatile boolean holding;

  /**
   * @param view the mount's view, holding its changes
   * @param name the mount point, naming the mount in logs and reports
   * @param freeSpace bytes free for the store on the data root's disk, now
   */
  PendingChanges(FileSystemView view, String name, LongSupplier freeSpace) {
    this.view = view;
    this.name = name;
    this.freeSpace = freeSpace;
  }

  /** Runs {@code c} with the view holding its changes for the next sync. */
  void run(Change c) throws IOException {
    synchronized (lock) {
      settleHeld();
      // Re-asserted each time: a `strata fs` group on the same view turns deferral off at its end.
      view.deferSync(true);
      dirty = true;
      unlogged = true;
      c.run();
    }
  }

  /**
   * Writes {@code len} bytes of {@code b} at {@code offset} of {@code path}: held with the writes
   * just before it when it continues them, else given to the view (after what was held).
   */
  void write(String path, long offset, byte[] b, int off, int len) throws IOException {
    synchronized (lock) {
      if (holding && path.equals(heldPath) && offset == heldOffset + heldLength) {
        if (heldLength + len <= HOLD_BYTES) {
          System.arraycopy(b, off, held, heldLength, len);
          heldLength += len;
          return;
        }
      }
      settleHeld();
      view.deferSync(true);
      dirty = true;
      unlogged = true;
      if (len >= HOLD_BYTES || view.sharedWithHost(path)) {
        // A host file (a volume's, a bind mount's) is read by others directly: written at once.
        view.write(path, offset, b, off, len);
        return;
      }
      if (held == null) {
        held = HOLDS.take();
      }
      heldLinked = linked(path);
      System.arraycopy(b, off, held, 0, len);
      heldPath = path;
      heldOffset = offset;
      heldLength = len;
      holding = true;
    }
  }

  /** Whether a write at {@code offset} of {@code path} continues the writes held now. */
  boolean continues(String path, long offset) {
    if (!holding) {
      return false;
    }
    synchronized (lock) {
      return holding && path.equals(heldPath) && offset == heldOffset + heldLength;
    }
  }

  /**
   * Appends {@code len} bytes at the end {@code path}'s file has when they land (a host file others
   * change, written through {@code O_APPEND}): never held, after what was.
   */
  void append(String path, byte[] b, int off, int len) throws IOException {
    synchronized (lock) {
      settleHeld();
      view.deferSync(true);
      dirty = true;
      unlogged = true;
      view.append(path, b, off, len);
    }
  }

  /**
   * Gives what the write-behind holds to the view: every call on the mount but a write does this
   * first, so that no call sees a file without its last writes. A failure is kept for the next
   * fsync to report, as the kernel reports a failed write-back.
   */
  void settle() {
    if (!holding) {
      return;
    }
    synchronized (lock) {
      try {
        settleHeld();
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "mount {0}: a held write failed: {1}", name, e);
        lost = e;
      }
    }
  }

  /** Whether {@code path} has other names; true if that cannot be told (reads then settle). */
  private boolean linked(String path) {
    try {
      return view.stat(path).nlink() > 1;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /**
   * Before a read of {@code path}: settles what the write-behind holds if it may be of the file
   * read (the same name, or a file with other names), so that the read sees the file's last writes.
   * A hard link made since holding began settled it then, as every call but a write or read does.
   */
  void settleBeforeReading(String path) {
    if (!holding) {
      return;
    }
    synchronized (lock) {
      if (holding && !heldLinked && !path.equals(heldPath)) {
        return;
      }
    }
    settle();
  }

  private void settleHeld() throws IOException {
    if (!holding) {
      return;
    }
    holding = false; // a failure drops the held bytes: they are reported, not retried
    try {
      view.deferSync(true);
      dirty = true;
      unlogged = true;
      view.write(heldPath, heldOffset, held, 0, heldLength);
    } finally {
      // Back to the process's set: a mount holds the buffer only while it holds a write.
      HOLDS.give(held);
      held = null;
      heldPath = null;
    }
  }

  /**
   * Counts {@code len} written bytes; past {@link #SYNC_BYTES}, or past a {@link
   * #FREE_SPACE_SHARE}th of the disk's free space, since the last sync, syncs.
   */
  void wrote(int len) throws IOException {
    long unsynced = unsyncedBytes.addAndGet(len);
    if (unsynced >= SYNC_BYTES || unsynced >= freeSpace.getAsLong() / FREE_SPACE_SHARE) {
      syncAfterWrites();
    }
  }

  /**
   * The sync a write starts: a failure is kept for the next fsync, as a background sync's is, and
   * also answers the write that started it (ENOSPC on a full disk), which would otherwise succeed
   * though its bytes were lost with the sync.
   */
  private void syncAfterWrites() throws IOException {
    syncHeld("sync after writes");
  }

  /** Makes every change so far durable; throws, once, what a failed background sync lost. */
  void sync() throws IOException {
    synchronized (lock) {
      durably(this::takeDirty, view::sync);
    }
  }

  /**
   * Makes every change so far durable for an fsync: as {@link #sync}, but the view may write the
   * held changes to its intent log rather than commit them ({@link FileSystemView#syncLogged}); the
   * periodic sync commits them later. Throws, once, what a failed background sync lost. Nothing
   * changed since the last fsync: nothing to do (dpkg fsyncs every file it unpacked in a row).
   */
  void fsync() throws IOException {
    synchronized (lock) {
      durably(this::takeUnlogged, view::syncLogged);
    }
  }

  /**
   * Makes the changes to the host file or directory {@code path} durable (a volume's, a bind
   * mount's: {@link FileSystemView#sharedWithHost}), as an {@code fsync} of it asks, and nothing
   * else: the layer's held changes and other host files wait for their own fsync or the periodic
   * sync. Throws, once, what a failed background sync lost, as {@link #sync} does.
   */
  void syncHostFile(String path) throws IOException {
    synchronized (lock) {
      durably(() -> true, () -> view.syncFile(path));
    }
  }

  /** A way of making changes durable: the view's sync, its logged sync, a host file's. */
  private interface Durability {
    void run() throws IOException;
  }

  /**
   * Runs {@code how} if {@code due} says there is something for it, after the held writes are
   * settled; then throws, once, what a failed background sync lost (with what this one lost).
   */
  private void durably(java.util.function.BooleanSupplier due, Durability how) throws IOException {
    settle();
    Throwable before = lost;
    lost = null;
    if (due.getAsBoolean()) {
      try {
        how.run();
      } catch (HeldChangesLost e) {
        if (before != null) {
          e.addSuppressed(before);
        }
        throw new LostChanges(name, e);
      }
    }
    if (before != null) {
      throw new LostChanges(name, before);
    }
  }

  /** Whether changes were made since the last sync, now taken by one. */
  private boolean takeDirty() {
    if (!dirty) {
      return false;
    }
    dirty = false;
    unlogged = false;
    unsyncedBytes.set(0);
    return true;
  }

  /** Whether changes were made since the last fsync or sync, now taken by an fsync. */
  private boolean takeUnlogged() {
    boolean was = unlogged;
    unlogged = false;
    return was;
  }

  /**
   * Has the view finish the appends of files left idle since the last call (once per periodic sync,
   * not at every sync: a file appended to with an fsync each time is not idle), to be made durable
   * by the sync that follows. A failure is logged; it lost nothing, as the content is the same
   * either way.
   */
  void finishIdleAppends() {
    synchronized (lock) {
      try {
        // No deferSync(true) here, unlike a change of the mount's: an idle mount would turn a
        // `strata fs` change's own durability off. Undeferred, the rewrite commits at once.
        if (view.finishIdleAppends()) {
          dirty = true;
          unlogged = true;
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "mount {0}: idle appends not rewritten: {1}", name, e);
      }
    }
  }

  /** The periodic sync: keeps a failure for the next fsync to report. */
  void syncInBackground() {
    if (!dirty && !holding) {
      return;
    }
    try {
      syncHeld("background sync");
    } catch (IOException | RuntimeException | Error e) {
      // kept for the next fsync
    }
  }

  /**
   * Gives the view what the write-behind holds and makes the held changes durable; a failure is
   * kept for the next fsync to report, logged, and thrown.
   */
  private void syncHeld(String which) throws IOException {
    synchronized (lock) {
      try {
        settleHeld();
        if (dirty) {
          dirty = false;
          unlogged = false;
          unsyncedBytes.set(0);
          view.sync();
        }
      } catch (IOException | RuntimeException | Error e) {
        lost = e; // first: the log line may fail too when the heap ran out
        LOG.log(System.Logger.Level.WARNING, "mount {0}: {1} failed: {2}", name, which, e);
        throw e;
      }
    }
  }
}

package io.strata.fuse;

import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

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

  /** A change through the view. */
  @FunctionalInterface
  interface Change {
    void run() throws IOException;
  }

  /** A background sync failed: what it held is gone, and the next fsync says so. */
  static final class LostChanges extends IOException {
    LostChanges(Throwable cause) {
      super("changes held for a background sync were lost: " + cause.getMessage(), cause);
    }
  }

  private final FileSystemView view;
  private final String name;
  private final Object lock = new Object();
  private final AtomicLong unsyncedBytes = new AtomicLong();
  private volatile boolean dirty;
  private volatile Throwable lost;

  PendingChanges(FileSystemView view, String name) {
    this.view = view;
    this.name = name;
  }

  /** Runs {@code c} with the view holding its changes for the next sync. */
  void run(Change c) throws IOException {
    synchronized (lock) {
      // Re-asserted each time: a `strata fs` group on the same view turns deferral off at its end.
      view.deferSync(true);
      dirty = true;
      c.run();
    }
  }

  /** Counts {@code len} written bytes; past {@link #SYNC_BYTES} since the last sync, syncs. */
  void wrote(int len) {
    if (unsyncedBytes.addAndGet(len) >= SYNC_BYTES) {
      syncInBackground();
    }
  }

  /** Makes every change so far durable; throws, once, what a failed background sync lost. */
  void sync() throws IOException {
    synchronized (lock) {
      Throwable before = lost;
      lost = null;
      if (dirty) {
        dirty = false;
        unsyncedBytes.set(0);
        view.sync();
      }
      if (before != null) {
        throw new LostChanges(before);
      }
    }
  }

  /** The periodic sync: keeps a failure for the next fsync to report. */
  void syncInBackground() {
    if (!dirty) {
      return;
    }
    synchronized (lock) {
      try {
        if (dirty) {
          dirty = false;
          unsyncedBytes.set(0);
          view.sync();
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "mount {0}: background sync failed: {1}", name, e);
        lost = e;
      }
    }
  }
}

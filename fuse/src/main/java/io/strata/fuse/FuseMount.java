package io.strata.fuse;

import io.strata.store.fs.FileSystemView;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One view served at one mount point, made by {@link FuseMounts#mount}. {@link #close} unmounts: it
 * makes the changes durable, detaches the mount point lazily (so a busy mount never blocks; the
 * kernel finishes it when the last open file is closed) and stops serving.
 */
public final class FuseMount implements Closeable {
  private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());

  private final FuseMounts owner;
  private final Path mountPoint;
  private final FileSystemView view;
  private final LowLevelFs fs;
  private final FuseSession session;
  private final CountDownLatch served;
  private volatile ScheduledFuture<?> syncer;
  private volatile boolean closed;

  FuseMount(
      FuseMounts owner,
      Path mountPoint,
      FileSystemView view,
      LowLevelFs fs,
      FuseSession session,
      CountDownLatch served) {
    this.owner = owner;
    this.mountPoint = mountPoint;
    this.view = view;
    this.fs = fs;
    this.session = session;
    this.served = served;
  }

  void syncer(ScheduledFuture<?> f) {
    this.syncer = f;
    if (!isMounted()) {
      f.cancel(false); // ended before its periodic sync was scheduled
    }
  }

  /**
   * The periodic sync ({@link FuseMounts#SYNC_SECONDS}): it goes on as long as the kernel uses the
   * mount, also after an unmount that left it busy (served until its last file is closed), and ends
   * with it.
   */
  void periodicSync() {
    if (isMounted()) {
      try {
        fs.syncInBackground();
      } catch (Throwable t) {
        // An Error (the heap ran out) would end this mount's periodic syncs for good: the
        // scheduler drops a task that throws. What the sync lost, the next fsync reports.
      }
      return;
    }
    ScheduledFuture<?> f = syncer;
    if (f != null) {
      f.cancel(false);
    }
  }

  /**
   * Stops serving the mount, which a process still uses as the server stops: every change made
   * through it so far is made durable, and every later call in it fails with ENOTCONN, as in the
   * mount of a killed server (the kernel answers so itself once the server has exited).
   */
  void halt() throws IOException {
    fs.halt();
  }

  /** Whether {@link #close} was called: its owner forgets it then, not when the kernel lets go. */
  boolean closing() {
    return closed;
  }

  /** Whether {@link #halt} stopped serving it. */
  boolean halted() {
    return fs.halted();
  }

  LowLevelFs fs() {
    return fs;
  }

  FuseSession session() {
    return session;
  }

  /** The directory the view is mounted at (absolute, normalized). */
  public Path mountPoint() {
    return mountPoint;
  }

  /** The view served. */
  public FileSystemView view() {
    return view;
  }

  /** Whether every change through the mount is refused with EROFS. */
  public boolean readOnly() {
    return fs.readOnly();
  }

  /** Whether the kernel still serves it (false once unmounted, or its server thread ended). */
  public boolean isMounted() {
    return served.getCount() > 0;
  }

  /**
   * Waits until the kernel stops using the mount, or {@code deadline} ({@link System#nanoTime}).
   */
  void awaitReleased(long deadline) throws InterruptedException {
    served.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /**
   * Hands the view every write its processes made so far: the kernel's dirty pages of mmap writes
   * (a syncfs of the mount) and the write-behind's held bytes. What reads the view beside the mount
   * (a commit, an export, {@code strata fs cat}) then sees what the mount shows, as {@code docker
   * commit} sees through overlayfs's page cache. Nothing is made durable here.
   */
  public void flush() throws IOException {
    if (fs.readOnly()) {
      return;
    }
    FuseDevice.syncfs(mountPoint);
    fs.settle();
  }

  /**
   * Makes every change made through the mount so far durable, as an {@code fsync} inside it does.
   */
  public void sync() throws IOException {
    if (!fs.readOnly()) {
      fs.sync();
    }
  }

  /**
   * Unmounts (lazily if busy) after making every change durable; a second call waits for the first
   * to finish, then does nothing, so that whoever closes the engine next finds the changes durable.
   * The mount stays in its owner's list until then: a {@link FuseMounts#close} racing this one (the
   * server's stop beside the JVM's exit hook) calls it too, and so waits for the unmount instead of
   * letting the process end in the middle of it.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      unmount();
    } finally {
      owner.forget(this);
    }
  }

  /**
   * Unmounts for good, as {@link #close} does, after making the mount read-only: its snapshot is
   * about to be committed or removed, and what a process still using it (a bind mount of it left
   * behind) would write could go nowhere: such writes succeeded and were dropped
   * (docs/ADVERSARIAL.md, AJ6). They answer EROFS now; reads go on while it is served, as
   * containerd's snapshotter suite expects of a committed snapshot's old mount.
   */
  public void retire() throws IOException {
    fs.retire();
    close();
  }

  private void unmount() throws IOException {
    // The periodic sync is left running: a busy mount is served on after the detach, and what its
    // processes write meanwhile is made durable every few seconds as before (periodicSync).
    IOException failure = null;
    try {
      sync();
    } catch (IOException e) {
      failure = e;
    }
    try {
      try {
        FuseDevice.detach(mountPoint);
      } catch (IOException e) {
        MountTable.detach(mountPoint);
      }
      // The serving thread makes what arrived meanwhile durable before it ends.
      if (!served.await(2, TimeUnit.SECONDS)) {
        LOG.log(
            System.Logger.Level.INFO,
            "mount {0} is busy (processes have files open in it): detached, served until they"
                + " close them or the server stops",
            mountPoint);
      }
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "fuse mount at " + mountPoint + (readOnly() ? " (read-only)" : "");
  }
}

package io.strata.fuse;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.EachCalled;
import io.strata.store.fs.FileSystemView;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The FUSE mounts of one process: serve a {@link FileSystemView} at a directory, find what is
 * mounted where, and unmount everything at {@link #close} (a server's stop) or at JVM exit.
 *
 * <pre>
 *   FuseMounts mounts = new FuseMounts(dataRoot);           // one per server
 *   FuseMount m = mounts.mount(driver.fs(key), dir, false); // dir: an existing, empty directory
 *   ...                                                     // ordinary programs use dir
 *   m.close();                                              // sync, then unmount (lazily if busy)
 * </pre>
 *
 * <p>A mount point left by a killed server ("Transport endpoint is not connected") is detached
 * before it is used again; any other existing mount at the directory is refused. A writable mount
 * holds changes in memory and makes them durable as one group on {@code fsync}, every {@link
 * #SYNC_SECONDS} seconds while something changed, after 64 MiB of writes, and at unmount: what a
 * crash can lose is what was written since the last of those, as on a local file system.
 *
 * <p>Needs {@code /dev/fuse} and root: the mount is made with mount(2) and served through the
 * kernel's low-level protocol ({@link FuseSession}), with no libfuse. Thread-safe.
 */
public final class FuseMounts implements Closeable {
  private static final System.Logger LOG = System.getLogger(FuseMounts.class.getName());

  /** How often a writable mount's changes are made durable while it changes. */
  public static final int SYNC_SECONDS = 5;

  private static final Path DEV_FUSE = FuseDevice.DEV_FUSE;

  private final Path spaceOf;
  private final Map<Path, FuseMount> mounts = new LinkedHashMap<>();
  // Every mount made whose kernel connection may still be in use: those in `mounts`, and those
  // unmounted while busy (detached, served until their last file is closed). A stop waits for
  // these, keeps syncing them, and halts those still in use when its grace ends. Guarded by this.
  private final List<FuseMount> live = new ArrayList<>();
  private final ScheduledExecutorService syncer;
  private final Thread exitHook;
  private boolean closed;

  /**
   * Mounts whose {@code statfs} reports the space of the disk holding {@code spaceOf} (the data
   * root, where whatever is written through a mount ends up), unmounted at JVM exit if nothing
   * closed them before.
   */
  public FuseMounts(Path spaceOf) {
    this(spaceOf, true);
  }

  /**
   * As {@link #FuseMounts(Path)}; {@code unmountAtExit} false for an owner that closes the mounts
   * itself when the JVM exits (a server's stop, which serves busy mounts for its grace): the JVM
   * starts every shutdown hook at once, so a hook of ours would end that grace as it began.
   */
  public FuseMounts(Path spaceOf, boolean unmountAtExit) {
    this.spaceOf = spaceOf.toAbsolutePath();
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "strata-fuse-sync");
              t.setDaemon(true);
              return t;
            });
    pool.setRemoveOnCancelPolicy(true); // an unmounted mount's task is dropped, not kept
    this.syncer = pool;
    if (unmountAtExit) {
      this.exitHook = new Thread(this::closeQuietly, "strata-fuse-unmount");
      Runtime.getRuntime().addShutdownHook(exitHook);
    } else {
      this.exitHook = null;
    }
  }

  /**
   * Checks that this host can serve FUSE mounts: {@code /dev/fuse} exists. Throws an IOException
   * whose message says what is missing.
   */
  public static void requireFuse() throws IOException {
    if (!Files.exists(DEV_FUSE)) {
      throw new IOException(
          "FUSE is not available: /dev/fuse is missing (load the fuse module; in a container, run"
              + " it with --device /dev/fuse and CAP_SYS_ADMIN)");
    }
  }

  /**
   * Detaches every FUSE mount directly under {@code dir} whose server is gone (left by a server
   * that was killed): called when a server starts, so no stale mount point outlives the restart.
   * Returns how many it detached.
   */
  public static int detachStaleUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int n = 0;
    try (var entries = Files.list(dir)) {
      for (Path mp : (Iterable<Path>) entries::iterator) {
        MountTable.Entry e = MountTable.at(mp.toAbsolutePath().normalize());
        if (e != null && e.isFuse() && MountTable.isStale(mp)) {
          LOG.log(
              System.Logger.Level.INFO, "mount point {0}: its server is gone; detaching it", mp);
          MountTable.detach(mp.toAbsolutePath().normalize());
          n++;
        }
      }
    }
    return n;
  }

  /** The type Strata's mounts have in the mount table. */
  private static final String STRATA_FS_TYPE = "fuse.strata";

  /**
   * Detaches the Strata mount at {@code mountPoint} if its server is gone (a killed stratad left it
   * answering "Transport endpoint is not connected"); returns whether there was one.
   */
  public static boolean detachIfStale(Path mountPoint) throws IOException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    MountTable.Entry e = MountTable.at(mp);
    if (e == null || !e.fsType().equals(STRATA_FS_TYPE) || !MountTable.isStale(mp)) {
      return false;
    }
    LOG.log(System.Logger.Level.INFO, "mount point {0}: its server is gone; detaching it", mp);
    MountTable.detach(mp);
    return true;
  }

  /**
   * Detaches every Strata mount below {@code root} whose server is gone: called when a server
   * starts, for the directories it may mount under, so that what a killed server left is cleared by
   * the next one. Mounts of servers still running, and other file systems, are left alone. Returns
   * the mount points it detached.
   */
  public static List<Path> detachStaleBelow(Path root) throws IOException {
    Path r = root.toAbsolutePath().normalize();
    List<Path> out = new ArrayList<>();
    for (MountTable.Entry e : MountTable.entries()) {
      Path mp = e.mountPoint();
      if (mp.startsWith(r) && !mp.equals(r) && detachIfStale(mp)) {
        out.add(mp);
      }
    }
    return out;
  }

  /**
   * Serves {@code view} at {@code mountPoint}, an existing empty directory, until the returned
   * handle is closed. With {@code readOnly} (or a read-only view) every change answers EROFS.
   *
   * @throws AlreadyExistsException when this process already serves a mount there
   * @throws ConflictException when something else is mounted there, or the directory is not empty
   * @throws io.strata.store.error.NotFoundException when the mount point does not exist
   * @throws ConflictException when the mount point is not a directory (a file, a symlink)
   * @throws IOException when FUSE is unavailable or the kernel refuses the mount
   */
  public FuseMount mount(FileSystemView view, Path mountPoint, boolean readOnly)
      throws IOException {
    return mount(view, mountPoint, readOnly, false);
  }

  /**
   * {@link #mount(FileSystemView, Path, boolean)}, with {@code setuidAndDevices} for a container's
   * root file system that a runtime runs programs from: setuid and setgid bits, file capabilities
   * and device nodes take effect, as on overlayfs (containerd's snapshot mounts, whose directories
   * only root can reach). Without it the mount is {@code nosuid,nodev}, as a FUSE mount at a
   * directory of the host's (`strata mount`) should be: an image's setuid programs must not be a
   * way to root for whoever can reach the mount point.
   */
  public FuseMount mount(
      FileSystemView view, Path mountPoint, boolean readOnly, boolean setuidAndDevices)
      throws IOException {
    requireFuse();
    Path mp = mountPoint.toAbsolutePath().normalize();
    synchronized (this) {
      if (closed) {
        throw new ConflictException("fuse mounts: closed, no new mount at " + mp);
      }
      if (mounts.containsKey(mp)) {
        throw new AlreadyExistsException(
            "mount point " + mp + " is already mounted by this server");
      }
      MountTable.Entry e = MountTable.at(mp);
      if (e != null) {
        MountTable.Probe server =
            e.isFuse() ? MountTable.probe(mp, MountTable.PROBE_PATIENCE) : MountTable.Probe.ANSWERS;
        if (server != MountTable.Probe.GONE) {
          throw new ConflictException(
              "mount point "
                  + mp
                  + " is already a mount point ("
                  + e.fsType()
                  + (server == MountTable.Probe.SILENT ? ", whose server does not answer" : "")
                  + ")");
        }
        LOG.log(System.Logger.Level.INFO, "mount point {0}: its server is gone; detaching it", mp);
        MountTable.detach(mp);
      }
      if (!Files.exists(mp, LinkOption.NOFOLLOW_LINKS)) {
        throw new io.strata.store.error.NotFoundException(
            "mount point " + mp + " does not exist: make the directory first");
      }
      if (!Files.isDirectory(mp, LinkOption.NOFOLLOW_LINKS)) {
        throw new ConflictException("mount point " + mp + " is not a directory");
      }
      try (var entries = Files.list(mp)) {
        if (entries.findAny().isPresent()) {
          throw new ConflictException("mount point " + mp + " is not empty");
        }
      }
      FuseMount m = start(view, mp, readOnly, setuidAndDevices);
      mounts.put(mp, m);
      forgetEnded(mp); // unmounted already, before it was listed
      live.removeIf(old -> !old.isMounted());
      live.add(m);
      if (!m.readOnly()) {
        m.syncer(
            syncer.scheduleWithFixedDelay(
                m::periodicSync, SYNC_SECONDS, SYNC_SECONDS, TimeUnit.SECONDS));
      }
      return m;
    }
  }

  private FuseMount start(FileSystemView view, Path mp, boolean readOnly, boolean setuidAndDevices)
      throws IOException {
    FuseDevice.require();
    LowLevelFs fs = new LowLevelFs(view, readOnly, spaceOf, mp.toString());
    CountDownLatch served = new CountDownLatch(1);
    FuseSession session;
    try {
      session = serve(fs, view, mp, setuidAndDevices, served, this::forgetEnded);
    } catch (IOException | RuntimeException e) {
      if (!fs.readOnly()) {
        // What the mount changed on the way (leftovers it removed) is made durable, and the view
        // goes back to making each change durable as it comes.
        try {
          fs.sync();
          view.deferSync(false);
        } catch (IOException | RuntimeException again) {
          e.addSuppressed(again);
        }
      }
      throw e;
    }
    LOG.log(System.Logger.Level.DEBUG, "mounted {0}{1}", mp, fs.readOnly() ? " (read-only)" : "");
    return new FuseMount(this, mp, view, fs, session, served);
  }

  private static FuseSession serve(
      LowLevelFs fs,
      FileSystemView view,
      Path mp,
      boolean setuidAndDevices,
      CountDownLatch served,
      Consumer<Path> ended)
      throws IOException {
    return FuseSession.mount(
        fs,
        mp,
        setuidAndDevices,
        () -> {
          // The kernel ended the connection: make what arrived meanwhile durable (a halted mount
          // did at its halt, and its view may be closed by now).
          try {
            if (!fs.readOnly() && !fs.halted()) {
              try {
                fs.sync();
              } finally {
                // Also when the sync failed: the view goes back to forcing each change, and lets
                // go of what it held open for the mount (host files, a volume's directory).
                view.deferSync(false);
              }
            }
          } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "mount {0}: last sync failed: {1}", mp, e);
          }
          served.countDown();
          ended.accept(mp);
        });
  }

  /**
   * Forgets the mount at {@code mp} once the kernel has stopped serving it: unmounted by a plain
   * {@code umount} (or {@code fusermount -u}) rather than through this class, it is no longer
   * mounted, so its container may be removed or mounted again (docs/ADVERSARIAL.md, N7).
   */
  private synchronized void forgetEnded(Path mp) {
    FuseMount m = mounts.get(mp);
    if (m != null && !m.isMounted() && !m.closing()) {
      mounts.remove(mp, m);
      LOG.log(System.Logger.Level.INFO, "mount {0} was unmounted outside stratad", mp);
    }
  }

  /** The mount this process serves at {@code mountPoint}, or null. */
  public synchronized FuseMount find(Path mountPoint) {
    return mounts.get(mountPoint.toAbsolutePath().normalize());
  }

  /** The mounts served now, in the order they were made. */
  public synchronized List<FuseMount> list() {
    return List.copyOf(mounts.values());
  }

  synchronized void forget(FuseMount m) {
    mounts.remove(m.mountPoint(), m);
  }

  /** Unmounts everything (each after making its changes durable); no new mount afterwards. */
  @Override
  public void close() throws IOException {
    close(System.nanoTime());
  }

  /**
   * As {@link #close()}, then keeps serving the mounts still in use (a container running on one, a
   * shell whose directory is in one: the kernel keeps a lazily detached mount until its last file
   * is closed), including those unmounted earlier while busy, until they are released or {@code
   * busyDeadline} ({@link System#nanoTime}) passes. Meanwhile their changes are made durable every
   * {@link #SYNC_SECONDS} seconds as before; at the deadline each one still in use is halted: its
   * changes are made durable one last time and every later call in it fails (ENOTCONN), so that
   * nothing a write acknowledged is lost when the store closes after this. The processes using one
   * lose their files (a mapped program gets SIGBUS), so each such mount is named in the log.
   */
  public void close(long busyDeadline) throws IOException {
    IOException failure = null;
    try {
      closeAll();
    } catch (IOException e) {
      failure = e;
    }
    List<FuseMount> inUse;
    synchronized (this) {
      inUse = new ArrayList<>(live);
    }
    inUse.removeIf(m -> !m.isMounted() || m.halted()); // halted: by an earlier close
    awaitReleased(inUse, busyDeadline);
    for (FuseMount m : inUse) {
      if (!m.isMounted()) {
        continue;
      }
      try {
        m.halt();
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} still in use as the server stops: what was written through it is durable; the"
                + " processes using it lose their files",
            m);
      } catch (IOException | RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} still in use as the server stops: its last sync failed ({1}); the processes"
                + " using it lose their files",
            m,
            e.toString());
        if (failure == null) {
          failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
      }
    }
    stopSyncing();
    if (failure != null) {
      throw failure;
    }
  }

  private static void awaitReleased(List<FuseMount> busy, long deadline) {
    if (busy.isEmpty()) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} mounts still in use (processes have files open in them): served for up to {1} s"
              + " more, until those processes end; {2}",
          busy.size(),
          Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left)),
          busy);
    }
    for (FuseMount m : busy) {
      try {
        m.awaitReleased(deadline);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** Unmounts every mount (each made durable first); no new mount afterwards. */
  private void closeAll() throws IOException {
    List<FuseMount> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(mounts.values());
    }
    try {
      EachCalled.on(all, FuseMount::close);
    } finally {
      if (exitHook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException exiting) {
          // Called from the hook itself, or while the JVM exits: nothing to remove.
        }
      }
    }
  }

  /**
   * Ends the periodic syncs, once no mount is served any more (released or halted). Never by
   * interrupting: a sync interrupted inside its file I/O would have Java close the store's open
   * pack under it. One in progress is waited for, up to a bound.
   */
  private void stopSyncing() {
    syncer.shutdown(); // drops the periodic tasks; one running finishes
    try {
      if (!syncer.awaitTermination(SYNC_SECONDS, TimeUnit.SECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "a mount's sync still runs as the server stops");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "unmounting at exit: {0}", e.toString());
    }
  }
}

package io.strata.server;

import io.strata.containerd.SnapshotMounts;
import io.strata.fuse.FuseMount;
import io.strata.fuse.FuseMounts;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriver;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * containerd's snapshot mounts served through FUSE: each snapshot containerd asks to mount is
 * served once, at {@code DATA/containerd/mounts/<sha256 of its driver key>} (keys hold {@code /}),
 * read-write for an active snapshot and read-only for a view; containerd bind-mounts that
 * directory. A snapshot stops being served (its writes made durable first) before it is committed
 * or removed, and all of them when the server stops; its mount point goes with it, and a start
 * removes those a killed server left.
 */
final class FuseSnapshotMounts implements SnapshotMounts, Closeable {
  private final FuseMounts mounts;
  private final StorageDriver driver;
  private final Path dir;
  private final Map<String, FuseMount> served = new HashMap<>();

  FuseSnapshotMounts(Path dataRoot, StorageDriver driver) throws IOException {
    // closed by the server's stop, which serves busy mounts for its grace (no exit hook of theirs)
    this.mounts = new FuseMounts(dataRoot, false);
    this.driver = driver;
    this.dir = dataRoot.resolve("containerd").resolve("mounts");
    // A server killed while containerd used its snapshots left their mounts behind.
    FuseMounts.detachStaleUnder(dir);
    // ... and the mount points of snapshots that are gone (one per container ever run)
    if (Files.isDirectory(dir)) {
      try (var left = Files.list(dir)) {
        for (Path p : left.toList()) {
          removeIfEmpty(p);
        }
      }
    }
  }

  /** Removes mount point {@code at} when nothing is in it (nor mounted on it any more). */
  private static void removeIfEmpty(Path at) {
    try {
      Files.deleteIfExists(at);
    } catch (IOException e) {
      // not empty (not ours to remove), or still busy: it stays
    }
  }

  @Override
  public synchronized String mountPoint(String key, boolean readOnly) throws IOException {
    FuseMount m = served.get(key);
    if (m == null || !m.isMounted()) {
      byte[] name = key.getBytes(StandardCharsets.UTF_8);
      io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
      Path at = dir.resolve(Digest.sha256(name, 0, name.length).hex());
      try {
        io.strata.store.disk.AtomicFiles.createPrivateDirectory(at);
      } catch (FileAlreadyExistsException e) {
        // served before: the directory, or a mount a killed server left there, which mount()
        // detaches (anything else there it refuses, naming it)
      }
      // a container's root: its setuid programs and device nodes work, as on overlayfs (AJ1); the
      // directory is the data root's, which only root reaches
      m = mounts.mount(driver.fs(key), at, readOnly, true);
      served.put(key, m);
    }
    return m.mountPoint().toString();
  }

  @Override
  public synchronized void release(String key) throws IOException {
    FuseMount m = served.remove(key);
    if (m != null) {
      m.retire(); // committed or removed next: no write may land in it after
      removeIfEmpty(m.mountPoint());
    }
  }

  @Override
  public synchronized void flush(String key) throws IOException {
    FuseMount m = served.get(key);
    if (m != null && m.isMounted()) {
      m.flush();
    }
  }

  @Override
  public void close() throws IOException {
    close(System.nanoTime());
  }

  /**
   * Stops serving every snapshot; those a running container still uses are served until it ends or
   * {@code busyDeadline} ({@link System#nanoTime}) passes ({@link FuseMounts#close(long)}).
   */
  void close(long busyDeadline) throws IOException {
    synchronized (this) {
      served.clear();
    }
    mounts.close(busyDeadline);
  }
}

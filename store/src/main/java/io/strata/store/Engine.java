package io.strata.store;

import io.strata.store.blob.BlobService;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.driver.DriverContext;
import io.strata.store.driver.Drivers;
import io.strata.store.driver.Recountable;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.engine.GcResult;
import io.strata.store.engine.StoreInfo;
import io.strata.store.engine.Version;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.WholeLayerBlobs;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.registry.RegistryHolds;
import io.strata.store.registry.StagedBlobs;
import io.strata.store.tree.NodeCache;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One open data root: the lock, the chunk store and the services over it. This is what stratad
 * serves and what embedded users (perf runs, tests) open directly.
 *
 * <pre>
 * DATA/
 *   chunks/       packs, the index checkpoint, the root log, the store config
 *   image/ containers/ volumes/ tmp/
 *   registry-staged/  gzip layers pushed to the registry, durable, waiting to enter the chunk store
 *   btrfs/ | zfs/ the driver's own metadata; which one exists fixes the driver of the root
 *   LOCK
 * </pre>
 */
public final class Engine implements Closeable {
  /** The drivers a data root can be created with. */
  public static final List<String> DRIVERS = List.of("btrfs", "zfs");

  private final Path dataRoot;
  private final String driver;
  private final DataRootLock lock;
  private final ChunkStore chunks;
  private final BlobService blobs;
  private final StagedBlobs registryStaged;
  private final NodeCache nodeCache = NodeCache.forHeap(Runtime.getRuntime().maxMemory());
  private StorageDriver storage;
  private final List<IoAction> beforeGc = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<String>> diskFull =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private Engine(Path dataRoot, String driver, DataRootLock lock, ChunkStore chunks) {
    this.dataRoot = dataRoot;
    this.driver = driver;
    this.lock = lock;
    this.chunks = chunks;
    // a blob the registry links or holds as a manifest stays: without its root the registry would
    // serve a manifest whose layer answers 404, and its links would keep the chunks anyway; so
    // does a blob an image keeps whole as a layer, which its export reads
    this.blobs =
        new BlobService(
            chunks,
            d -> {
              RegistryHolds.refuseRemoval(chunks, d);
              WholeLayerBlobs.refuseRemoval(chunks, d);
            });
    this.registryStaged = new StagedBlobs(dataRoot.resolve("registry-staged"));
  }

  /**
   * Opens (creating if needed) the data root {@code dataRoot}. {@code driver} is null to keep the
   * root's driver ({@code btrfs} for a new root); naming another driver than the root's is refused
   * with a {@link ConflictException}.
   */
  public static Engine open(Path dataRoot, String driver, ChunkStore.Options options)
      throws IOException {
    if (driver != null && !DRIVERS.contains(driver)) {
      throw new InvalidArgumentException("driver " + driver + ": expected one of " + DRIVERS);
    }
    Path root = dataRoot.toAbsolutePath().normalize();
    // Owner only, as other stores that hold other people's data: a new root is 0700.
    AtomicFiles.createPrivateDirectories(root);
    DataRootLock lock = DataRootLock.acquire(root);
    try {
      String existing = null;
      for (String d : DRIVERS) {
        if (Files.isDirectory(root.resolve(d))) {
          existing = d;
        }
      }
      if (existing != null && driver != null && !existing.equals(driver)) {
        throw new ConflictException(
            "data root "
                + root
                + " was created with driver "
                + existing
                + "; it cannot be opened with --driver "
                + driver);
      }
      String chosen = existing != null ? existing : driver != null ? driver : "btrfs";
      for (String sub : List.of("chunks", "image", "containers", "volumes", "tmp", chosen)) {
        AtomicFiles.createPrivateDirectories(root.resolve(sub));
      }
      clearTmp(root.resolve("tmp"));
      ChunkStore chunks = ChunkStore.open(root.resolve("chunks"), options);
      return new Engine(root, chosen, lock, chunks);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Empties {@code DATA/tmp}: we hold the lock, so whatever is there was left by a process that
   * stopped in the middle of an upload, import or export, and nobody will come back for it.
   */
  private static void clearTmp(Path tmp) throws IOException {
    try (var entries = Files.list(tmp)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        AtomicFiles.deleteRecursively(p);
      }
    }
  }

  /** The data root, absolute. */
  public Path dataRoot() {
    return dataRoot;
  }

  /** The storage driver of this data root. */
  public String driver() {
    return driver;
  }

  /** The chunk store. */
  public ChunkStore chunks() {
    return chunks;
  }

  /**
   * The storage driver of this data root, opened on first use (found with {@link
   * java.util.ServiceLoader}, so the engine never names a driver class).
   */
  public synchronized StorageDriver storage() throws IOException {
    if (storage == null) {
      storage =
          Drivers.open(
              driver,
              new DriverContext(chunks, dataRoot.resolve(driver), nodeCache, Engine::nowNanos));
    }
    return storage;
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Plain objects. */
  public BlobService blobs() {
    return blobs;
  }

  /** The registry's gzip layers that are durable files waiting for their job. */
  public StagedBlobs registryStaged() {
    return registryStaged;
  }

  /** The figures of {@code strata info}. */
  public StoreInfo info() throws IOException {
    ChunkStore.Stats s = chunks.stats();
    return new StoreInfo(
        Version.VERSION,
        driver,
        dataRoot,
        s.compression().toString(),
        s.chunks(),
        s.logicalBytes() + writtenInWritableSnapshots(),
        s.storedBytes(),
        s.indexBytes(),
        s.indexRamBytes(),
        s.uniqueBytes(),
        s.compressedBytes(),
        registryStaged.bytes(),
        chunks.shared() == null ? null : chunks.shared().stats());
  }

  /**
   * Tells {@code listener} of each full disk the server meets (a request answered {@code
   * STORAGE_FULL}, a gc that finds the data root's disk full), with a sentence saying where: what
   * holds disk for speed only (the registry's blob cache) gives it back to the store.
   */
  public void onDiskFull(java.util.function.Consumer<String> listener) {
    diskFull.add(listener);
  }

  /** A full disk was met ({@code why}): tells the {@link #onDiskFull} listeners. */
  public void diskFull(String why) {
    for (java.util.function.Consumer<String> l : diskFull) {
      try {
        l.accept(why);
      } catch (RuntimeException e) {
        System.getLogger(Engine.class.getName())
            .log(System.Logger.Level.WARNING, "a full-disk listener failed: {0}", e.toString());
      }
    }
  }

  /** What must run before each gc (the image store's deferred layer removals), in order. */
  public void beforeGc(IoAction action) {
    beforeGc.add(action);
  }

  /** A step that may fail with an I/O error. */
  @FunctionalInterface
  public interface IoAction {
    void run() throws IOException;
  }

  /**
   * Bytes written into writable snapshots (containers', containerd's active ones), as {@code ps}
   * counts them: what users stored there, which no root's logical size holds (a snapshot's root
   * counts none), so {@code dedupRatio} fell below 1 when a container wrote new bytes. Not the
   * image store's layers being built ({@link LayerStore#TMP}): no user wrote them, an import's tree
   * is not this request's to sync, and a failed build's stays until the next gc.
   */
  private long writtenInWritableSnapshots() throws IOException {
    StorageDriver open;
    synchronized (this) {
      open = storage;
    }
    if (open == null && chunks.roots("snap/").isEmpty()) {
      return 0;
    }
    StorageDriver d = storage();
    List<String> active = new java.util.ArrayList<>();
    d.walk(
        i -> {
          if (i.kind() == io.strata.store.driver.Kind.ACTIVE
              && !i.key().startsWith(LayerStore.TMP)) {
            active.add(i.key());
          }
        });
    long bytes = 0;
    for (String key : active) {
      try {
        bytes += d.written(key);
      } catch (io.strata.store.error.NotFoundException gone) {
        // removed since the walk
      }
    }
    return bytes;
  }

  /**
   * Collects unreferenced chunks, after the driver (if open) made its writable snapshots' reference
   * sets exact.
   */
  public GcResult gc() throws IOException {
    long usable = java.nio.file.Files.getFileStore(dataRoot()).getUsableSpace();
    if (usable < io.strata.store.disk.SpaceReserve.FLOOR) {
      // a gc is what a user runs to free a full disk: caches go first
      diskFull(
          "data root " + dataRoot() + ": the disk is full (" + usable + " bytes usable) at a gc");
    }
    for (IoAction before : beforeGc) {
      before.run();
    }
    StorageDriver d;
    synchronized (this) {
      d = storage;
    }
    if (d instanceof Recountable r) {
      r.recount();
    }
    return chunks.gc();
  }

  /**
   * Checks every chunk, every registry blob still staged, then every snapshot's tree (when the
   * driver can).
   */
  public FsckReport fsck() throws IOException {
    FsckReport chunkReport = chunks.fsck();
    List<FsckReport.Damage> all = new java.util.ArrayList<>(chunkReport.damaged());
    all.addAll(registryStaged.check(chunks));
    StorageDriver d;
    synchronized (this) {
      d = storage;
    }
    if ((d != null || !chunks.roots("snap/").isEmpty()) && storage() instanceof Recountable r) {
      all.addAll(r.check());
    }
    return new FsckReport(chunkReport.chunksChecked(), all, chunkReport.notes());
  }

  @Override
  public void close() throws IOException {
    try {
      synchronized (this) {
        if (storage != null) {
          storage.close();
        }
      }
      chunks.close();
    } finally {
      lock.close();
    }
  }
}

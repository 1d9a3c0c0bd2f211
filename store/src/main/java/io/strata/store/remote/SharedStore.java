package io.strata.store.remote;

import io.strata.store.compress.Dictionaries;
import io.strata.store.digest.Digest;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackSet;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A chunk store's side of a bucket shared with other stratads: uploads each pack this store seals
 * and publishes its index segment, learns of the other stores' packs from their segments (so a
 * chunk one node stored is not stored again by another), reads the packs this disk lacks through
 * the {@link PackCache}, and hands out chunk and pack ids from ranges leased in the bucket.
 *
 * <p>A write is acknowledged once its pack is durable on this disk (the write-ahead copy); the
 * upload follows, and a pack a crash kept from the bucket is uploaded when the store opens again.
 * Other stores see a chunk once its pack and segment are in the bucket: until then they may store
 * the same bytes too, which costs space, never correctness.
 */
public final class SharedStore implements PackSet.Remote, Closeable {
  private static final System.Logger LOG = System.getLogger(SharedStore.class.getName());

  /** Learns of a chunk another store (or this one, before a lost checkpoint) put in the bucket. */
  @FunctionalInterface
  public interface Adopter {
    void adopt(int chunkId, Digest digest, long location, int rawLen, int storedLen);
  }

  private final SharedSettings settings;
  private final ObjectStore objects;
  private final Path chunksDir;
  private final Leases leases;
  // Every pack object in the bucket, with its length, as last listed or uploaded.
  private final Map<Integer, Long> inBucket = new ConcurrentHashMap<>();
  // The packs of the bucket whose records are in this store's index.
  private final Map<Integer, Long> indexed = new ConcurrentHashMap<>();
  private final Set<Integer> segments = ConcurrentHashMap.newKeySet();
  // The packs whose segment is being read into the index now: their chunks are indexed before the
  // pack counts as indexed, and a check that meets them must know them as packs of the bucket.
  private final Set<Integer> adopting = ConcurrentHashMap.newKeySet();
  private final LinkedBlockingDeque<Integer> uploads = new LinkedBlockingDeque<>();
  private final Set<Integer> uploading = ConcurrentHashMap.newKeySet();
  private final AtomicLong uploadedBytes = new AtomicLong();
  private final AtomicLong adoptedChunks = new AtomicLong();
  // The dictionaries this process has put in the bucket (or found there).
  private final Set<Integer> publishedDictionaries = ConcurrentHashMap.newKeySet();
  private volatile Dictionaries dictionaries;
  private PackCache cache;
  private PackSet packs;
  private ChunkIndex index;
  private Adopter adopter;
  private ScheduledExecutorService poller;
  private Thread uploader;
  private volatile boolean closed;

  private SharedStore(SharedSettings settings, Path chunksDir, Leases leases) {
    this.settings = settings;
    this.objects = settings.objects();
    this.chunksDir = chunksDir;
    this.leases = leases;
  }

  /**
   * Connects the store in {@code chunksDir} to its bucket: checks the data root belongs to it and
   * lists the packs there. Nothing is read or written in the store yet.
   */
  public static SharedStore connect(SharedSettings settings, Path chunksDir) throws IOException {
    if (!java.nio.file.Files.exists(chunksDir.resolve(Leases.FILE))) {
      // A local store's packs hold records a shared store cannot publish (groups, dictionaries of
      // its own): joined to a bucket, they would never reach it, and the images they make would
      // be published to nodes that cannot read them.
      Path packs = chunksDir.resolve("packs");
      if (java.nio.file.Files.isDirectory(packs)
          && !io.strata.store.pack.PackSet.listIds(packs).isEmpty()) {
        throw new io.strata.store.error.StrataException(
            "data root "
                + chunksDir.getParent()
                + " holds a local store; a store shared through "
                + settings.objects().location()
                + " needs a data root of its own");
      }
    }
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(chunksDir);
    SharedStore s =
        new SharedStore(settings, chunksDir, Leases.open(settings.objects(), chunksDir));
    s.objects.list(
        BucketLayout.PACKS,
        (key, size) -> {
          int id = BucketLayout.idOf(key, BucketLayout.PACKS, ".pack");
          if (id > 0) {
            s.inBucket.put(id, size);
          }
        });
    s.listSegments();
    return s;
  }

  private java.util.List<Integer> listSegments() throws IOException {
    java.util.List<Integer> ids = new java.util.ArrayList<>();
    objects.list(
        BucketLayout.SEGMENTS,
        (key, size) -> {
          int id = BucketLayout.idOf(key, BucketLayout.SEGMENTS, ".idx");
          if (id > 0) {
            ids.add(id);
            segments.add(id);
          }
        });
    return ids;
  }

  /**
   * The bucket the store in {@code chunksDir} shares (from its {@code shared} file), or null for a
   * local store: such a data root must not be opened without it.
   */
  public static String bucketOf(Path chunksDir) throws IOException {
    Path file = chunksDir.resolve(Leases.FILE);
    if (!java.nio.file.Files.exists(file)) {
      return null;
    }
    java.util.Properties p = new java.util.Properties();
    try (java.io.Reader r =
        java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p.getProperty("bucket", "a bucket");
  }

  /** Which packs the bucket holds with their segment published (a checkpoint may cover them). */
  public BucketPacks published() {
    return new BucketPacks(this);
  }

  boolean isPublished(int id) {
    return segments.contains(id) && inBucket.containsKey(id);
  }

  /** The bucket's copy of {@code chunks/config}, or null if this is the first store on it. */
  public byte[] config() throws IOException {
    return objects.get(BucketLayout.CONFIG);
  }

  /** Publishes {@code config} as the bucket's; false if another store did first. */
  public boolean publishConfig(byte[] config) throws IOException {
    return objects.create(BucketLayout.CONFIG, config);
  }

  /**
   * Starts sharing: ids come from this store's leases, packs sealed from now on are uploaded, as
   * are the ones a crash kept from the bucket, and the segments of packs {@code indexedPacks} does
   * not name are read into {@code index} through {@code adopter}.
   */
  public void start(ChunkIndex index, PackSet packs, Set<Integer> indexedPacks, Adopter adopter)
      throws IOException {
    this.index = index;
    this.packs = packs;
    this.adopter = adopter;
    this.cache =
        new PackCache(chunksDir.resolve("cache"), settings.cacheBytes(), objects, packs::evict);
    int[] ids = leases.chunkIds();
    index.lease(ids[0], ids[1], leases);
    leases.topUp(index.nextId(), this::packIdTaken);
    for (int id : indexedPacks) {
      Long len = inBucket.get(id);
      if (len != null && segments.contains(id)) {
        indexed.put(id, len);
      }
    }
    packs.attach(this);
    for (int id : packs.ids()) {
      if (segments.contains(id) && inBucket.containsKey(id)) {
        indexed.put(id, inBucket.get(id));
        cache.ownPack(id, inBucket.get(id));
      } else {
        LOG.log(
            System.Logger.Level.INFO,
            "pack {0} is not in {1} yet: uploading it",
            id,
            objects.describe());
        uploads.add(id);
      }
    }
    for (int id : segments) {
      if (!indexed.containsKey(id) && !packs.isLocal(id)) {
        adoptSegment(id);
      }
    }
    uploader = new Thread(this::uploadLoop, "strata-s3-upload");
    uploader.setDaemon(true);
    uploader.start();
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-s3-poll");
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(
        this::poll, settings.pollMillis(), settings.pollMillis(), TimeUnit.MILLISECONDS);
  }

  /** The bucket. */
  public ObjectStore objects() {
    return objects;
  }

  // ---- PackSet.Remote ----

  @Override
  public int newPackId() throws IOException {
    return leases.newPackId(this::packIdTaken);
  }

  private boolean packIdTaken(int id) {
    return packs.isLocal(id) || inBucket.containsKey(id) || uploading.contains(id);
  }

  @Override
  public long length(int id) {
    Long len = indexed.get(id);
    return len == null ? -1 : len;
  }

  @Override
  public void read(int id, long offset, byte[] dst, int len) throws IOException {
    long packLength = indexed.get(id);
    cache.read(id, packLength, offset, dst, len);
    if (!WholeRecord.failsCrc(dst, len)) {
      return;
    }
    // The cached blocks may hold a copy the bucket had when it was damaged, mended since (the
    // owner's fsck uploads its good copy again): kept, they failed every read until evicted. Drop
    // them and fetch once more; the reader names the damage if the bucket's copy fails too.
    cache.drop(id, offset, len);
    cache.read(id, packLength, offset, dst, len);
  }

  @Override
  public void sealed(int id, Path path) {
    uploading.add(id);
    uploads.add(id);
  }

  @Override
  public Map<Integer, Long> lengths() {
    return new TreeMap<>(indexed);
  }

  /**
   * Deletes the pack objects in the bucket that have no index segment and whose pack id lies in a
   * lease of a node {@code gone} says will never come back: what a node killed between uploading a
   * pack and its segment left, when it does not start again to upload the segment. No node indexes
   * such a pack (nodes adopt packs through their segments), so nothing references its chunks.
   * Returns the bytes deleted.
   */
  public long deleteOrphanPacks(java.util.function.Predicate<String> gone) throws IOException {
    Map<Integer, Long> packs = new TreeMap<>();
    objects.list(
        BucketLayout.PACKS,
        (k, size) -> {
          int id = BucketLayout.idOf(k, BucketLayout.PACKS, ".pack");
          if (id >= 0) {
            packs.put(id, size);
          }
        });
    objects.list(
        BucketLayout.SEGMENTS,
        (k, size) -> packs.remove(BucketLayout.idOf(k, BucketLayout.SEGMENTS, ".idx")));
    Map<Integer, String> holders = new HashMap<>();
    long bytes = 0;
    for (var e : packs.entrySet()) {
      int lease = e.getKey() / BucketLayout.PACK_ID_LEASE;
      if (!holders.containsKey(lease)) {
        holders.put(lease, leaseHolder(BucketLayout.packIdLease(lease)));
      }
      String holder = holders.get(lease);
      if (holder != null && gone.test(holder)) {
        objects.delete(BucketLayout.pack(e.getKey()));
        bytes += e.getValue();
        LOG.log(
            System.Logger.Level.INFO,
            "{0}: deleted pack {1} of forgotten node {2}: it has no index segment",
            objects.location(),
            String.format("%08x", e.getKey()),
            holder);
      }
    }
    return bytes;
  }

  /** The node a lease object names ({@code node=ID}), or null. */
  private String leaseHolder(String key) throws IOException {
    byte[] b = objects.get(key);
    if (b == null) {
      return null;
    }
    for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("node=")) {
        return line.substring("node=".length()).strip();
      }
    }
    return null;
  }

  // ---- uploads ----

  private void uploadLoop() {
    long backoff = 100;
    while (!closed || !uploads.isEmpty()) {
      Integer id;
      try {
        id = uploads.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (id == null) {
        continue;
      }
      try {
        upload(id);
        backoff = 100;
      } catch (IOException | RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "pack {0}: upload to {1} failed, retrying in {2} ms: {3}",
            String.format("%08x", id),
            objects.describe(),
            backoff,
            e.getMessage());
        uploads.addFirst(id);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, 10_000);
        if (closed) {
          return; // the next start uploads it
        }
      }
    }
  }

  /**
   * Shares {@code d}: new dictionary ids come from this store's pack-id leases (so no two nodes
   * number one alike), dictionaries other nodes trained are read from the bucket, and this store's
   * go up before any pack that could need them.
   */
  public void shareDictionaries(Dictionaries d) {
    this.dictionaries = d;
    d.attach(
        new Dictionaries.Remote() {
          @Override
          public int newId() throws IOException {
            return leases.newPackId(SharedStore.this::packIdTaken);
          }

          @Override
          public byte[] fetch(int id) throws IOException {
            byte[] file = objects.get(BucketLayout.dictionary(id));
            if (file != null) {
              publishedDictionaries.add(id);
            }
            return file;
          }
        });
  }

  /**
   * Puts every dictionary of this disk that is not in the bucket yet there: a record is only ever
   * in a pack written after its dictionary was durable here, so doing this before each pack goes up
   * gives other nodes every dictionary before a record that needs it.
   */
  private void publishDictionaries() throws IOException {
    Dictionaries d = dictionaries;
    if (d == null) {
      return;
    }
    for (int id : d.ids()) {
      if (!publishedDictionaries.contains(id)) {
        objects.put(BucketLayout.dictionary(id), d.file(id));
        publishedDictionaries.add(id);
      }
    }
  }

  /** Uploads pack {@code id}, then its segment: a published segment always names a whole pack. */
  private void upload(int id) throws IOException {
    Path p = packs.path(id);
    if (!Files.exists(p)) {
      uploading.remove(id);
      return; // a pack cut back to nothing after a failed fsync
    }
    publishDictionaries();
    IndexSegment seg = IndexSegment.of(id, p);
    objects.put(BucketLayout.pack(id), p);
    objects.put(BucketLayout.segment(id), seg.encode());
    inBucket.put(id, seg.packLength());
    segments.add(id);
    indexed.put(id, seg.packLength());
    uploading.remove(id);
    uploadedBytes.addAndGet(seg.packLength());
    cache.ownPack(id, seg.packLength());
  }

  /**
   * Waits up to {@code millis} for the uploads queued so far; true if none is left. A stop waits a
   * little so that the bucket is current; what is left goes up at the next start.
   */
  public boolean awaitUploads(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!uploads.isEmpty() || !uploading.isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  // ---- other stores' packs ----

  private void poll() {
    try {
      packs.sealIfIdle(settings.sealIdleMillis());
      leases.topUp(index.nextId(), this::packIdTaken);
      refresh();
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}: reading other stores'' index segments failed (retrying): {1}",
          objects.describe(),
          e.getMessage());
    }
  }

  /** Reads segment {@code id} into the index; the pack counts as indexed only afterwards. */
  private synchronized void adoptSegment(int id) throws IOException {
    if (indexed.containsKey(id)) {
      return;
    }
    String key = BucketLayout.segment(id);
    byte[] b = objects.get(key);
    if (b == null) {
      return; // removed meanwhile
    }
    IndexSegment seg = IndexSegment.decode(b, key);
    if (seg.packId() != id) {
      throw new io.strata.store.error.CorruptDataException(
          "index segment " + key + " names pack " + seg.packId(), key);
    }
    adopting.add(id);
    try {
      for (IndexSegment.Entry e : seg.entries()) {
        long loc = Locations.encode(id, e.offset(), e.storedLen());
        adopter.adopt(e.chunkId(), e.digest(), loc, e.rawLen(), e.storedLen());
      }
      adoptedChunks.addAndGet(seg.entries().size());
      inBucket.put(id, seg.packLength());
      indexed.put(id, seg.packLength());
    } finally {
      adopting.remove(id);
    }
  }

  /**
   * Whether pack {@code id} is a pack of the bucket this store indexes or is indexing now (its
   * segment is being read): the poller adopts segments while a check runs, without its lock, so the
   * check meets chunks of such a pack that its list of packs, taken before, lacked.
   */
  public boolean knows(int id) {
    return adopting.contains(id) || indexed.containsKey(id);
  }

  /**
   * The chunk ids the bucket's index segment of pack {@code id} lists, or null if it has none: what
   * any node may have indexed in that pack, whatever this store's index says.
   */
  public int[] segmentChunkIds(int id) throws IOException {
    String key = BucketLayout.segment(id);
    byte[] b = objects.get(key);
    if (b == null) {
      return null;
    }
    return IndexSegment.decode(b, key).entries().stream()
        .mapToInt(IndexSegment.Entry::chunkId)
        .toArray();
  }

  /** Reads every segment published so far that this store has not (tests, and `strata info`). */
  public void refresh() throws IOException {
    for (int id : listSegments()) {
      if (!indexed.containsKey(id) && !packs.isLocal(id) && !uploading.contains(id)) {
        adoptSegment(id);
      }
    }
  }

  /** The fleet's gc deleted packs {@code ids} from the bucket: forget them here too. */
  public void forget(Set<Integer> ids) throws IOException {
    List<Integer> local = new java.util.ArrayList<>();
    for (int id : ids) {
      indexed.remove(id);
      inBucket.remove(id);
      segments.remove(id);
      cache.forget(id);
      if (packs.isLocal(id)) {
        local.add(id);
      }
    }
    if (!local.isEmpty()) {
      packs.retire(local, () -> {});
    }
  }

  /** Where the fleet's gc records the packs each finished gc deleted (one hex id a line). */
  public static final String GC_DONE = "gc/done/";

  /**
   * The packs finished gcs deleted, as the bucket's records say: a node forgets them within a round
   * of its member thread, so a pack missing from the bucket and named here is no damage.
   */
  public Set<Integer> packsDeletedByGc() throws IOException {
    return new java.util.TreeSet<>(gcDeletions().keySet());
  }

  /** The packs finished gcs deleted, each with the generation of the gc that did. */
  Map<Integer, Long> gcDeletions() throws IOException {
    List<String> keys = new java.util.ArrayList<>();
    objects.list(GC_DONE, (k, size) -> keys.add(k));
    Map<Integer, Long> out = new java.util.TreeMap<>();
    for (String k : keys) {
      byte[] b = objects.get(k);
      if (b == null) {
        continue;
      }
      long generation = Long.parseLong(k.substring(GC_DONE.length()));
      for (String line : new String(b, java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.put(Integer.parseUnsignedInt(line.trim(), 16), generation);
        }
      }
    }
    return out;
  }

  /**
   * The packs the bucket holds now, listed afresh (what fsck holds the index against), each with
   * its entity tag (null if the store gives none).
   */
  public Map<Integer, String> listPacksInBucket() throws IOException {
    Map<Integer, String> out = new java.util.TreeMap<>();
    objects.listTagged(
        BucketLayout.PACKS,
        (key, size, etag) -> {
          int id = BucketLayout.idOf(key, BucketLayout.PACKS, ".pack");
          if (id > 0) {
            out.put(id, etag);
          }
        });
    return out;
  }

  /**
   * Whether the bucket's copy of this node's pack {@code id} differs from the file here: null if it
   * is the same, else how it differs. The entity tag, when it is the MD5 of the file, settles it
   * without a download; otherwise (an MD5 that differs, or a tag that is no MD5: an encrypted
   * bucket) the copy is read back and compared byte for byte.
   */
  public String differenceInBucket(int id, String etag) throws IOException {
    Path p = packs.path(id);
    if (etag != null && etag.equalsIgnoreCase(PackDigests.md5Hex(p))) {
      return null;
    }
    return PackDigests.firstDifference(p, objects, BucketLayout.pack(id));
  }

  /**
   * Uploads this node's pack {@code id} again (its bucket copy is damaged, and this one checked
   * whole), unless a finished gc deleted it meanwhile.
   */
  public void uploadAgain(int id) throws IOException {
    if (!packsDeletedByGc().contains(id) && uploading.add(id)) {
      uploads.add(id);
    }
  }

  /** This store's name in the bucket. */
  public String node() {
    return leases.node();
  }

  // ---- figures ----

  /**
   * What this store knows of the bucket.
   *
   * @param location the bucket and prefix
   * @param bucketPacks pack objects in the bucket
   * @param bucketBytes their bytes
   * @param pendingUploads packs here and not in the bucket yet (the open one too, if it holds
   *     records)
   * @param cacheBytes what this disk holds of the bucket's packs
   * @param cacheBudget what it may hold
   * @param cacheHits reads served from this disk
   * @param cacheMisses reads that fetched a block
   * @param fetchedBytes bytes fetched with ranged GETs
   * @param uploadedBytes pack bytes uploaded since start
   */
  public record Stats(
      String location,
      String node,
      long bucketPacks,
      long bucketBytes,
      long pendingUploads,
      long cacheBytes,
      long cacheBudget,
      long cacheHits,
      long cacheMisses,
      long fetchedBytes,
      long uploadedBytes) {}

  public Stats stats() {
    long bytes = 0;
    for (long l : inBucket.values()) {
      bytes += l;
    }
    return new Stats(
        objects.location(),
        node(),
        inBucket.size(),
        bytes,
        uploading.size() + (packs.openHoldsRecords() ? 1 : 0),
        cache.bytes(),
        settings.cacheBytes(),
        cache.hits.get(),
        cache.misses.get(),
        cache.fetchedBytes.get(),
        uploadedBytes.get());
  }

  /** Stops polling; waits up to 60 s for queued uploads (the next start uploads the rest). */
  @Override
  public void close() throws IOException {
    if (poller != null) {
      poller.shutdownNow();
    }
    try {
      if (!awaitUploads(60_000)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} packs are not in {1} yet; they are uploaded at the next start",
            uploading.size(),
            objects.describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    if (uploader != null) {
      uploader.interrupt();
    }
    objects.close();
  }
}

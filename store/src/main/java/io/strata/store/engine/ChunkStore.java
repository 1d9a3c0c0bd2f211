package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.SpaceReserve;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.IndexFile;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
import io.strata.store.pack.Records;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.ref.RootLog;
import io.strata.store.remote.SharedSettings;
import io.strata.store.remote.SharedStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.RoaringBitmap;

/**
 * The chunk store: packs, the chunk index and the roots, under one directory ({@code DATA/chunks}).
 * Everything above it (blobs, layers, containers) writes objects through {@link WriteSession}s and
 * reads chunks by id.
 *
 * <p>Write order, which is what makes a crash lose nothing acknowledged: chunk records are appended
 * to the open pack; a commit fsyncs the pack, then appends the roots to the root log and fsyncs it,
 * then returns. Commits that arrive while one is being synced are batched into the next (group
 * commit). The index checkpoint is not on this path: records beyond it are found by scanning the
 * packs' tails on open.
 *
 * <p>GC safety: a writer looks a digest up and marks the chunk as held by its session under the
 * shared side of {@link #refLock}; GC decides what is dead and removes it from the index under the
 * exclusive side. So a chunk is either seen as live by GC or already gone from the index, in which
 * case the writer stores a fresh copy.
 */
public final class ChunkStore implements Closeable {
  private static final System.Logger LOG = System.getLogger(ChunkStore.class.getName());

  /** New pack bytes after which a commit also writes an index checkpoint. */
  private static final long CHECKPOINT_EVERY = 1L << 30;

  /** The space reserve's file name. */
  static final String RESERVE_FILE = "reserve";

  /** The index checkpoint's file name. */
  static final String INDEX_FILE = "index";

  private final Path dir;
  private final StoreConfig config;
  private final FastCdc chunker;
  private final ChunkCodec codec;
  private final boolean verifyWrites;
  private final ChunkIndex index;
  private final PackSet packs;
  private final RootLog rootLog;
  private final SpaceReserve reserve;
  private final GroupCommit commits;
  private final Map<String, Root> roots = new ConcurrentHashMap<>();
  private final Set<WriteSession> sessions = ConcurrentHashMap.newKeySet();
  private final Map<Integer, CompletableFuture<Void>> pendingWrites = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock refLock = new ReentrantReadWriteLock();
  private final ReentrantLock gcLock = new ReentrantLock();
  private final ExecutorService workers;
  private final int threads;
  // Threads hashing and compressing a chunk right now: workers and object writers alike.
  private final AtomicInteger storing = new AtomicInteger();
  // Object writers inside a write call, cutting (and storing) chunks.
  private final AtomicInteger writing = new AtomicInteger();
  private final AtomicLong uniqueBytes = new AtomicLong();
  private final AtomicLong compressedBytes = new AtomicLong();
  private final AtomicLong sinceCheckpoint = new AtomicLong();
  // Where chunks that GC is copying were before, until the copies are durable: a failed fsync of
  // the copies' pack sends them back rather than dropping them.
  private final Map<Integer, Long> gcOriginals = new ConcurrentHashMap<>();
  // What the open found and mended, for fsck to list.
  private final List<String> openNotes = new ArrayList<>();
  private final ByteArrayPool chunkBuffers;
  private final ByteArrayPool windows;
  private volatile boolean closed;
  private SharedStore shared;
  private final List<java.util.function.Consumer<List<RootChange>>> rootListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Options of an open store.
   *
   * @param chunker chunk sizes, used only when the store is created
   * @param compression the codec of new chunks
   * @param verifyWrites decode every compressed chunk and compare it with the original before it is
   *     appended (see docs/FORMAT.md for the cost)
   * @param threads worker threads for hashing and compression
   * @param shared the bucket this store shares with other stratads, or null
   */
  public record Options(
      ChunkerParams chunker,
      Compression compression,
      boolean verifyWrites,
      int threads,
      SharedSettings shared) {
    public static Options defaults() {
      return new Options(
          ChunkerParams.DEFAULT,
          Compression.DEFAULT,
          true,
          Runtime.getRuntime().availableProcessors(),
          null);
    }

    public Options withCompression(Compression c) {
      return new Options(chunker, c, verifyWrites, threads, shared);
    }

    public Options withChunker(ChunkerParams p) {
      return new Options(p, compression, verifyWrites, threads, shared);
    }

    public Options withVerifyWrites(boolean v) {
      return new Options(chunker, compression, v, threads, shared);
    }

    /** Shares the store with other stratads through a bucket (null: a store of this disk only). */
    public Options withShared(SharedSettings s) {
      return new Options(chunker, compression, verifyWrites, threads, s);
    }
  }

  private ChunkStore(
      Path dir,
      StoreConfig config,
      Options options,
      ChunkIndex index,
      PackSet packs,
      RootLog rootLog,
      long unique,
      long compressed) {
    this.dir = dir;
    this.config = config;
    this.chunker = new FastCdc(config.chunker());
    this.codec = new ChunkCodec(options.compression());
    this.verifyWrites = options.verifyWrites();
    this.index = index;
    this.packs = packs;
    this.rootLog = rootLog;
    this.reserve = new SpaceReserve(dir.resolve(RESERVE_FILE));
    this.commits =
        new GroupCommit(
            dir.getParent(),
            packs,
            index,
            rootLog,
            reserve,
            new GroupCommit.Publisher() {
              @Override
              public void publish(WriteSession session, List<RootChange> changes) {
                apply(session, changes);
              }

              @Override
              public void abandon(WriteSession session) {
                endSession(session);
              }

              @Override
              public void afterBatch() {
                maybeCheckpoint();
              }
            });
    packs.onLoss(this::forgetLost);
    this.threads = Math.max(1, options.threads());
    this.workers = Executors.newFixedThreadPool(threads, daemonThreads("strata-chunk"));
    this.uniqueBytes.set(unique);
    this.compressedBytes.set(compressed);
    // Enough for a few writers at once; beyond that arrays are allocated and dropped.
    this.chunkBuffers = new ByteArrayPool(ChunkerParams.MAX_CHUNK, 4 * (writeWindow() + 1));
    this.windows = new ByteArrayPool(2 * chunker.maxSize(), 4 * threads);
  }

  /**
   * Opens the store in {@code dir}, creating it if empty. Recovers from a crash ({@link Recovery}):
   * scans the packs beyond the index checkpoint, cuts off a torn tail and seals the pack that was
   * open, and replays the root log from its two copies. Works on a full disk.
   */
  public static ChunkStore open(Path dir, Options options) throws IOException {
    SharedStore shared = null;
    java.util.function.IntPredicate inBucket = id -> false;
    if (options.shared() != null) {
      shared = SharedStore.connect(options.shared(), dir);
      agreeOnConfig(shared, dir, options.chunker());
      inBucket = shared.published();
    }
    try {
      return open(dir, options, shared, inBucket);
    } catch (IOException | RuntimeException e) {
      if (shared != null) {
        shared.close();
      }
      throw e;
    }
  }

  /**
   * Every store sharing a bucket must cut chunks alike, or none would deduplicate against another:
   * the first publishes its config, the others take it (a new data root) or must match it.
   */
  private static void agreeOnConfig(SharedStore shared, Path dir, ChunkerParams chunker)
      throws IOException {
    byte[] bucket = shared.config();
    Path file = dir.resolve(StoreConfig.FILE);
    Path packDir = dir.resolve("packs");
    if (bucket != null
        && !Files.exists(file)
        && (!Files.exists(packDir) || PackSet.listIds(packDir).isEmpty())) {
      AtomicFiles.write(file, bucket);
    }
    StoreConfig local = StoreConfig.loadOrCreate(dir, chunker);
    if (bucket == null && !shared.publishConfig(Files.readAllBytes(file))) {
      bucket = shared.config();
    }
    if (bucket != null) {
      StoreConfig theirs = StoreConfig.parse(bucket, "the bucket's config");
      if (!theirs.equals(local)) {
        throw new ConflictException(
            "chunk store "
                + dir
                + " cuts chunks as "
                + local.chunker()
                + ", the shared store as "
                + theirs.chunker()
                + "; a data root joins a shared store only with the same settings");
      }
    }
  }

  private static ChunkStore open(
      Path dir, Options options, SharedStore shared, java.util.function.IntPredicate inBucket)
      throws IOException {
    Recovery.Recovered r;
    try {
      r = Recovery.open(dir, options.chunker(), inBucket);
    } catch (IOException e) {
      // Sealing the pack a crash left open, or mending a root-log copy, needs a little room.
      long freed = DiskFull.causedBy(e) ? new SpaceReserve(dir.resolve(RESERVE_FILE)).release() : 0;
      if (freed == 0) {
        throw e;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: the disk is full; released the {1}-byte space reserve to open",
          dir,
          freed);
      r = Recovery.open(dir, options.chunker(), inBucket);
    }
    ChunkStore store =
        new ChunkStore(
            dir,
            r.config(),
            options,
            r.index(),
            r.packs(),
            r.rootLog(),
            r.uniqueBytes(),
            r.compressedBytes());
    store.roots.putAll(r.roots());
    store.openNotes.addAll(r.notes());
    if (shared != null) {
      store.shared = shared;
      try {
        shared.start(r.index(), r.packs(), r.indexedPacks(), store::adopt);
      } catch (IOException | RuntimeException e) {
        store.shared = null;
        store.close();
        throw e;
      }
    }
    if (r.scanned()) {
      try {
        store.checkpoint();
      } catch (IOException e) {
        if (!DiskFull.causedBy(e)) {
          store.close();
          throw e;
        }
        // Only a shortcut for the next open, which scans the same tails again.
        LOG.log(
            System.Logger.Level.WARNING,
            "chunk store {0}: the disk is full, the index checkpoint waits for space",
            dir);
      }
    }
    store.keepReserve();
    return store;
  }

  /** Indexes a chunk another store sharing the bucket put there. */
  private void adopt(int id, Digest d, long loc, int rawLen, int storedLen) {
    if (index.insert(id, d, loc)) {
      uniqueBytes.addAndGet(rawLen);
      compressedBytes.addAndGet(storedLen);
    }
  }

  /**
   * Tells {@code listener} of every durable change to the roots, after it is applied. It runs on
   * the committing thread: it must only take note (queue work), never block or commit.
   */
  public void onRootChanges(java.util.function.Consumer<List<RootChange>> listener) {
    rootListeners.add(listener);
  }

  /**
   * Makes everything written so far readable by the other stores sharing the bucket: seals the open
   * pack and waits until every sealed pack and its index segment are uploaded.
   */
  public void publishToBucket(long timeoutMillis) throws IOException {
    if (shared == null) {
      return;
    }
    packs.sealCurrent();
    try {
      if (!shared.awaitUploads(timeoutMillis)) {
        throw new IOException(
            "packs of "
                + dir
                + " are not in "
                + shared.stats().location()
                + " after "
                + timeoutMillis / 1000
                + " s; the upload goes on");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for uploads", e);
    }
  }

  /**
   * Condemns {@code ids} (null: none) for a fleet's gc and returns, atomically with it, every chunk
   * a root or a write in progress references: a writer either holds a condemned chunk by now, and
   * it is in the set returned, or will store its bytes again (see {@link ChunkIndex#condemn}).
   */
  public RoaringBitmap condemnAndCollectLive(RoaringBitmap ids) {
    refLock.writeLock().lock();
    try {
      index.condemn(ids);
      RoaringBitmap live = referencedExcept(null);
      for (WriteSession s : sessions) {
        live.or(s.held());
      }
      return live;
    } finally {
      refLock.writeLock().unlock();
    }
  }

  /** Every id the index holds for digest {@code d}, condemned ones included. */
  public int[] idsOf(Digest d) {
    return index.lookupAll(d);
  }

  /** Chunk ids in the packs {@code packIds}, as the index places them. */
  public RoaringBitmap chunksIn(Set<Integer> packIds) {
    RoaringBitmap out = new RoaringBitmap();
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && packIds.contains(Locations.packId(loc))) {
            out.add(id);
          }
        });
    return out;
  }

  /**
   * Forgets the packs a fleet's gc deleted from the bucket: their chunks leave the index (no root
   * references them: the gc made sure) and this disk's copies are dropped.
   */
  public void forgetPacks(Set<Integer> packIds) throws IOException {
    refLock.writeLock().lock();
    try {
      for (int id : chunksIn(packIds)) {
        long loc = index.location(id);
        index.remove(id);
        int stored = Locations.storedLen(loc);
        compressedBytes.addAndGet(-stored);
      }
    } finally {
      refLock.writeLock().unlock();
    }
    if (shared != null) {
      shared.forget(packIds);
    }
  }

  /** Runs a store's gc when it shares a bucket: the fleet's protocol (set by the fleet package). */
  @FunctionalInterface
  public interface FleetCollector {
    GcResult collect() throws IOException;
  }

  private volatile FleetCollector fleetCollector;

  /** Makes {@link #gc} run {@code c}, the fleet's gc, for a store that shares a bucket. */
  public void fleetCollector(FleetCollector c) {
    this.fleetCollector = c;
  }

  /** The bucket this store shares, or null for a store of this disk only. */
  public SharedStore shared() {
    return shared;
  }

  /** Keeps the space reserve as large as the index needs, as far as the disk allows. */
  private void keepReserve() throws IOException {
    reserve.ensure(SpaceReserve.sizeFor((long) index.size() * IndexFile.ENTRY_BYTES));
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---- writing ----

  /** Opens a write session; close or commit it. */
  public WriteSession session() {
    ensureOpen();
    WriteSession s = new WriteSession(this);
    sessions.add(s);
    return s;
  }

  FastCdc chunker() {
    return chunker;
  }

  /** Chunks an object writer keeps in flight: enough to keep every worker busy. */
  int writeWindow() {
    return 2 * threads + 2;
  }

  /**
   * Stores {@code len} bytes as one chunk, as given (no content-defined cutting): tree nodes and
   * small writes. Runs on the calling thread; the session holds the chunk. When it returns the
   * chunk is readable (though durable only once the session commits).
   */
  public Stored putChunk(WriteSession session, byte[] b, int off, int len) throws IOException {
    return putChunk(session, b, off, len, null);
  }

  /**
   * {@link #putChunk(WriteSession, byte[], int, int)} with a codec of the caller's choice for this
   * chunk if it is new (a zfs dataset's {@code compression} property); null: the store's.
   */
  public Stored putChunk(WriteSession session, byte[] b, int off, int len, Compression compression)
      throws IOException {
    ensureOpen();
    if (len > ChunkerParams.MAX_CHUNK) {
      throw new io.strata.store.error.InvalidArgumentException(
          "chunk of " + len + " bytes exceeds the " + ChunkerParams.MAX_CHUNK + "-byte maximum");
    }
    ChunkRef r = storeChunk(session, b, off, len, codecFor(compression));
    awaitAppended(r.id());
    return new Stored(r.id(), r.isNew(), r.storedBytes());
  }

  /**
   * Deduplicated against another writer's chunk not yet appended: wait for that append (its future
   * in {@link #pendingWrites}), as the caller may read the chunk when this returns.
   */
  private void awaitAppended(int id) {
    if (index.location(id) != Locations.PENDING) {
      return;
    }
    CompletableFuture<Void> f = pendingWrites.computeIfAbsent(id, k -> new CompletableFuture<>());
    // Looked at again after the future is in place: the appender sets the location first, then
    // completes whatever future it finds, so one of the two always sees the other.
    long loc = index.location(id);
    if (loc != Locations.PENDING) {
      pendingWrites.remove(id, f);
      if (loc == Locations.NONE) {
        throw new StrataException("chunk " + id + ": the write that held it failed; retry");
      }
      return;
    }
    try {
      f.get(APPEND_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while waiting for a shared chunk", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StrataException(
          "chunk " + id + ": the write that held it failed; retry", e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new StrataException("chunk " + id + ": another write holding it never finished", e);
    }
  }

  /** How long a writer waits for another's append of a chunk they share. */
  private static final long APPEND_WAIT_SECONDS = 60;

  /**
   * A chunk stored by {@link #putChunk}.
   *
   * @param id its id
   * @param isNew whether this call wrote it (false: deduplicated)
   * @param storedBytes pack bytes it took when new
   */
  public record Stored(int id, boolean isNew, int storedBytes) {}

  private final Map<Compression, ChunkCodec> codecs = new ConcurrentHashMap<>();

  private ChunkCodec codecFor(Compression c) {
    return c == null || c.equals(codec.compression())
        ? codec
        : codecs.computeIfAbsent(c, ChunkCodec::new);
  }

  /** The compression new chunks are written with. */
  public Compression compression() {
    return codec.compression();
  }

  /** The chunk sizes this store cuts objects with (fixed when the store was created). */
  public ChunkerParams chunkerParams() {
    return config.chunker();
  }

  /** The id of the chunk with digest {@code d}, or -1 if the store lacks it. */
  public int idOf(Digest d) {
    return index.lookup(d);
  }

  /** Pack bytes chunk {@code id} takes, 0 if absent. */
  public int storedBytes(int id) {
    long loc = index.location(id);
    return Locations.isStored(loc) ? PackFormat.recordLength(Locations.storedLen(loc)) : 0;
  }

  /** An array of {@link ChunkerParams#MAX_CHUNK} bytes for {@link #storeChunkAsync} to fill. */
  byte[] chunkBuffer() {
    return chunkBuffers.take();
  }

  /** A chunker window for an object writer, which gives it back when the object is finished. */
  byte[] window() {
    return windows.take();
  }

  void giveWindow(byte[] window) {
    windows.give(window);
  }

  /**
   * Whether a core would sit idle unless a worker takes the next chunk: fewer object writers are
   * cutting than there are workers, and fewer threads are storing chunks. An object writer then
   * hands its chunk to a worker and goes on cutting, so one large object still uses every core;
   * otherwise it stores the chunk itself ({@link #storeChunkHere}).
   */
  boolean hasIdleCore() {
    return writing.get() < threads && storing.get() < threads;
  }

  /** An object writer starts cutting: see {@link #hasIdleCore}. */
  void startWriting() {
    writing.incrementAndGet();
  }

  void stopWriting() {
    writing.decrementAndGet();
  }

  /**
   * Hashes, deduplicates and (if new) compresses and appends the first {@code len} bytes of {@code
   * buf} as one chunk, on a worker thread, which then gives {@code buf} back to the pool it came
   * from ({@link #chunkBuffer}).
   */
  Future<ChunkRef> storeChunkAsync(WriteSession session, byte[] buf, int len) {
    ensureOpen();
    // Counted from the hand-off, so the next writer to ask sees this core as taken.
    storing.incrementAndGet();
    try {
      return workers.submit(
          () -> {
            try {
              return storeChunk(session, buf, 0, len, codec);
            } finally {
              storing.decrementAndGet();
              chunkBuffers.give(buf);
            }
          });
    } catch (RuntimeException e) {
      storing.decrementAndGet();
      chunkBuffers.give(buf);
      throw e;
    }
  }

  /**
   * {@link #storeChunkAsync} on the calling thread, straight from the caller's buffer: when every
   * core is already busy, a hand-off would only add a copy, a queue and two thread switches per
   * chunk (together about 7% of an ingest's CPU on the jdks data set, docs/PERF.md).
   */
  ChunkRef storeChunkHere(WriteSession session, byte[] b, int off, int len) throws IOException {
    ensureOpen();
    storing.incrementAndGet();
    try {
      return storeChunk(session, b, off, len, codec);
    } finally {
      storing.decrementAndGet();
    }
  }

  private ChunkRef storeChunk(WriteSession session, byte[] b, int off, int len, ChunkCodec codec)
      throws IOException {
    Digest d = Digest.sha256(SHA256.get(), b, off, len);
    return store(session, d, len, id -> append(id, d, b, off, len, codec));
  }

  /** Appends new chunk {@code id}'s record; returns the bytes it takes. */
  @FunctionalInterface
  private interface Appender {
    int append(int id) throws IOException;
  }

  /**
   * Deduplicates chunk {@code d} of {@code len} bytes against the index, or reserves an id for it
   * and appends it with {@code appender}. The session holds the chunk either way.
   */
  private ChunkRef store(WriteSession session, Digest d, int len, Appender appender)
      throws IOException {
    int r;
    refLock.readLock().lock();
    try {
      r = index.lookupOrReserve(d);
      session.hold(r >= 0 ? r : -r - 1);
    } finally {
      refLock.readLock().unlock();
    }
    if (r >= 0) {
      awaitIfPending(session, r);
      return new ChunkRef(r, len, false, 0);
    }
    int id = -r - 1;
    try {
      int recLen = appender.append(id);
      return new ChunkRef(id, len, true, recLen);
    } catch (IOException | RuntimeException e) {
      index.remove(id);
      CompletableFuture<Void> f = pendingWrites.remove(id);
      if (f != null) {
        f.completeExceptionally(e);
      }
      if (e instanceof IOException io && DiskFull.causedBy(io)) {
        throw new StorageFullException("data root " + dir.getParent() + ": the disk is full", io);
      }
      throw e;
    }
  }

  /**
   * Stores a chunk that arrives already compressed, as another store sent it: {@code encLen} bytes
   * of {@code enc} in {@code codec} that the caller has decoded to {@code rawLen} bytes whose
   * SHA-256 is {@code d} (so neither a second hash nor a compression is spent on it). Otherwise as
   * {@link #putChunk}: deduplicated, held by the session, readable when this returns.
   */
  public Stored putEncoded(
      WriteSession session, Digest d, Codec codec, byte[] enc, int encLen, int rawLen)
      throws IOException {
    ensureOpen();
    if (rawLen > ChunkerParams.MAX_CHUNK || encLen > ChunkCodec.maxEncodedLength(rawLen)) {
      throw new io.strata.store.error.InvalidArgumentException(
          "chunk " + d + ": " + encLen + " bytes encoding " + rawLen + " is out of range");
    }
    ChunkRef r =
        store(
            session,
            d,
            rawLen,
            id -> {
              byte[] rec = RECORD_BUFFER.get();
              System.arraycopy(enc, 0, rec, PackFormat.RECORD_HEADER, encLen);
              return appendRecord(id, d, rec, codec, encLen, rawLen);
            });
    awaitAppended(r.id());
    return new Stored(r.id(), r.isNew(), r.storedBytes());
  }

  /** Another writer reserved this chunk and has not appended it yet: the commit waits for it. */
  private void awaitIfPending(WriteSession session, int id) {
    if (index.location(id) != Locations.PENDING) {
      return;
    }
    CompletableFuture<Void> f = pendingWrites.computeIfAbsent(id, k -> new CompletableFuture<>());
    long loc = index.location(id);
    if (loc == Locations.PENDING) {
      session.await(f);
    } else {
      pendingWrites.remove(id, f);
      if (loc == Locations.NONE) {
        throw new StrataException("chunk " + id + ": the write that held it failed; retry");
      }
    }
  }

  /** Compresses and appends a new chunk; returns the bytes its record takes. */
  private int append(int id, Digest d, byte[] b, int off, int rawLen, ChunkCodec codec)
      throws IOException {
    byte[] rec = RECORD_BUFFER.get();
    ChunkCodec.Encoded enc = codec.encode(b, off, rawLen, rec, PackFormat.RECORD_HEADER);
    if (verifyWrites && enc.codec() != Codec.NONE) {
      verifyEncoding(enc, rec, b, off, rawLen, d);
    }
    return appendRecord(id, d, rec, enc.codec(), enc.length(), rawLen);
  }

  /**
   * Seals the record whose {@code encLen} stored bytes sit in {@code rec} after the header space,
   * appends it and records where it went.
   */
  private int appendRecord(int id, Digest d, byte[] rec, Codec codec, int encLen, int rawLen)
      throws IOException {
    int len = Records.seal(rec, 0, id, codec, encLen, rawLen, d);
    packs.append(
        rec,
        0,
        len,
        (packId, offset) -> index.setLocation(id, Locations.encode(packId, offset, encLen)));
    CompletableFuture<Void> f = pendingWrites.remove(id);
    if (f != null) {
      f.complete(null);
    }
    uniqueBytes.addAndGet(rawLen);
    compressedBytes.addAndGet(encLen);
    sinceCheckpoint.addAndGet(len);
    return len;
  }

  private static final int RECORD_BYTES =
      PackFormat.recordLength(ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK));

  // Per thread, not per store: any thread may store or read chunks, and a buffer it already has is
  // in its core's cache (a pool shared by all threads measured slower).
  private static final ThreadLocal<byte[]> RECORD_BUFFER =
      ThreadLocal.withInitial(() -> new byte[RECORD_BYTES]);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(Digest::newSha256);
  private static final ThreadLocal<byte[]> VERIFY_BUFFER =
      ThreadLocal.withInitial(() -> new byte[ChunkerParams.MAX_CHUNK]);

  /**
   * Decodes what the compressor produced and compares it with the original: a compressor bug must
   * not reach the disk (restic lost data to one). Comparing bytes is as strong as re-hashing them,
   * and cheaper.
   */
  private static void verifyEncoding(
      ChunkCodec.Encoded enc, byte[] rec, byte[] b, int off, int len, Digest d) {
    byte[] out = VERIFY_BUFFER.get();
    try {
      // The chunk is named only on failure: formatting its digest for every chunk showed up in
      // the profile.
      ChunkCodec.decode(
          enc.codec(), rec, PackFormat.RECORD_HEADER, enc.length(), out, 0, len, "the chunk");
    } catch (CorruptDataException e) {
      throw new CorruptDataException(
          "chunk " + d + ": " + enc.codec() + " output does not decode; not stored",
          d.toString(),
          e);
    }
    if (!Arrays.equals(out, 0, len, b, off, off + len)) {
      throw new CorruptDataException(
          "chunk " + d + ": " + enc.codec() + " round trip changed the bytes; not stored",
          d.toString());
    }
  }

  /**
   * Makes the session's chunks and {@code changes} durable, applies the changes and ends the
   * session (see {@link GroupCommit}).
   */
  void commit(WriteSession session, List<RootChange> changes) throws IOException {
    ensureOpen();
    commits.commit(session, changes);
  }

  /**
   * Forgets the chunks whose records lie in pack {@code packId} at or after {@code durableEnd}: an
   * fsync of the pack failed, so they never became durable. None was acknowledged; a commit that
   * would name one fails from now on instead of recording a root that points at nothing.
   */
  private void forgetLost(int packId, long durableEnd) {
    RoaringBitmap gone = new RoaringBitmap();
    refLock.writeLock().lock();
    try {
      index.forEach(
          (id, loc) -> {
            if (Locations.isStored(loc)
                && Locations.packId(loc) == packId
                && Locations.offset(loc) >= durableEnd) {
              gone.add(id);
            }
          });
      for (int id : gone) {
        Long original = gcOriginals.get(id);
        if (original != null) {
          // A copy gc made: the chunk is still whole where it was, and goes back there.
          index.setLocation(id, original);
          gone.remove(id);
        } else {
          index.remove(id);
        }
      }
      commits.markLost(gone);
    } finally {
      refLock.writeLock().unlock();
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "pack {0}: an fsync failed; {1} chunks written after byte {2} are dropped (none was"
            + " acknowledged)",
        PackFormat.fileName(packId),
        gone.getCardinality(),
        durableEnd);
  }

  /** Publishes a durable commit: its roots become visible and its session's holds go. */
  private void apply(WriteSession session, List<RootChange> changes) {
    refLock.readLock().lock();
    try {
      for (RootChange ch : changes) {
        if (ch instanceof RootChange.Put put) {
          roots.put(put.name(), put.root());
        } else if (ch instanceof RootChange.Update u) {
          roots.put(u.name(), u.applyTo(roots.get(u.name())));
        } else {
          roots.remove(ch.name());
        }
      }
      sessions.remove(session);
    } finally {
      refLock.readLock().unlock();
    }
    for (var l : rootListeners) {
      l.accept(changes);
    }
  }

  void endSession(WriteSession s) {
    refLock.readLock().lock();
    try {
      sessions.remove(s);
    } finally {
      refLock.readLock().unlock();
    }
  }

  /**
   * Writes a checkpoint, or compacts the root log, when due. Neither is part of the commit that
   * triggers it, which is durable and applied already: a failure (a full disk) is logged, and the
   * work waits for the next commit.
   */
  private void maybeCheckpoint() {
    try {
      if (sinceCheckpoint.get() >= CHECKPOINT_EVERY) {
        checkpoint();
      }
      if (rootLog.size() > (64L << 20) && rootLog.size() > 4 * liveRootBytesEstimate()) {
        rootLog.compact(roots.values());
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: index checkpoint or root log compaction postponed: {1}",
          dir,
          e.toString());
    }
  }

  /** Rewrites the root log to hold just the live roots (commits wait meanwhile). */
  void compactRoots() throws IOException {
    commits.lock().lock();
    try {
      rootLog.compact(roots.values());
    } finally {
      commits.lock().unlock();
    }
  }

  private long liveRootBytesEstimate() {
    long n = 0;
    for (Root r : roots.values()) {
      n += r.payload().length + r.chunks().getSizeInBytes() + r.name().length() + 32;
    }
    return n;
  }

  /** Writes the index checkpoint (with appends held off while it is taken). */
  void checkpoint() throws IOException {
    packs.whileQuiescent(
        lengths -> {
          IndexFile.write(
              dir.resolve(INDEX_FILE),
              index,
              lengths,
              uniqueBytes.get(),
              compressedBytes.get(),
              new RootLog.Expected(rootLog.generation(), rootLog.durableLength()));
          sinceCheckpoint.set(0);
        });
  }

  // ---- reading ----

  /** The root named {@code name}, or null. */
  public Root root(String name) {
    return roots.get(name);
  }

  /** Every root whose name starts with {@code prefix}. */
  public List<Root> roots(String prefix) {
    List<Root> out = new ArrayList<>();
    for (Root r : roots.values()) {
      if (r.name().startsWith(prefix)) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Reads chunk {@code id} into {@code dst} (room for the chunk: {@link ChunkerParams#MAX_CHUNK}
   * for any) and returns its length. Checks the record's CRC; throws {@link CorruptDataException}
   * naming the chunk and pack if it fails, never returning damaged bytes.
   */
  public int read(int id, byte[] dst) throws IOException {
    byte[] rec = RECORD_BUFFER.get();
    RecordHeader h = record(id, rec);
    String where = "chunk " + id;
    if (h.rawLen() > dst.length) {
      throw new CorruptDataException(
          where + " has " + h.rawLen() + " bytes, more than expected", where);
    }
    ChunkCodec.decode(
        h.codec(), rec, PackFormat.RECORD_HEADER, h.storedLen(), dst, 0, h.rawLen(), where);
    return h.rawLen();
  }

  /**
   * Chunk {@code id} as it is stored, for sending it on without decoding it: copies its stored
   * bytes to {@code dst} (room for {@link ChunkCodec#maxEncodedLength} of the largest chunk) and
   * returns its header (codec, stored and raw lengths). The CRC is checked as for {@link #read}.
   */
  public RecordHeader readStored(int id, byte[] dst) throws IOException {
    byte[] rec = RECORD_BUFFER.get();
    RecordHeader h = record(id, rec);
    if (h.storedLen() > dst.length) {
      throw new CorruptDataException(
          "chunk " + id + " takes " + h.storedLen() + " bytes, more than expected", "chunk " + id);
    }
    System.arraycopy(rec, PackFormat.RECORD_HEADER, dst, 0, h.storedLen());
    return h;
  }

  /** Reads chunk {@code id}'s record into {@code rec}, checks its header and CRC. */
  private RecordHeader record(int id, byte[] rec) throws IOException {
    for (int attempt = 0; attempt < 8; attempt++) {
      long loc = index.location(id);
      if (!Locations.isStored(loc)) {
        throw new CorruptDataException("chunk " + id + " is missing from the store", "chunk " + id);
      }
      int packId = Locations.packId(loc);
      long offset = Locations.offset(loc);
      int storedLen = Locations.storedLen(loc);
      int recLen = PackFormat.recordLength(storedLen);
      if (!packs.read(packId, offset, rec, recLen)) {
        continue; // GC moved it: look again
      }
      String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
      RecordHeader h = Records.header(rec, 0, recLen, where);
      if (h.chunkId() != id || h.storedLen() != storedLen) {
        throw new CorruptDataException(
            where + ": holds chunk " + h.chunkId() + ", the index expects chunk " + id, where);
      }
      Records.checkCrc(rec, 0, h, where);
      return h;
    }
    throw new CorruptDataException("chunk " + id + ": its pack keeps disappearing", "chunk " + id);
  }

  /** The digest of chunk {@code id}, or null if the index lacks it. */
  public Digest digest(int id) {
    return index.digest(id);
  }

  /** Pack bytes of the chunks in {@code ids} (those the index holds). */
  public long storedBytes(RoaringBitmap ids) {
    long total = 0;
    for (int id : ids) {
      long loc = index.location(id);
      if (Locations.isStored(loc)) {
        total += PackFormat.recordLength(Locations.storedLen(loc));
      }
    }
    return total;
  }

  /** The union of every root's chunks except those of {@code excluded}. */
  public RoaringBitmap referencedExcept(String excluded) {
    RoaringBitmap all = new RoaringBitmap();
    for (Root r : roots.values()) {
      if (!r.name().equals(excluded)) {
        all.or(r.chunks());
      }
    }
    return all;
  }

  /** The store's figures. */
  public Stats stats() throws IOException {
    long logical = 0;
    for (Root r : roots.values()) {
      logical += r.logicalSize();
    }
    Path idx = dir.resolve(INDEX_FILE);
    long indexBytes = Files.exists(idx) ? Files.size(idx) : 0;
    int[] chunks = {0};
    index.forEach((id, loc) -> chunks[0] += Locations.isStored(loc) ? 1 : 0);
    return new Stats(
        chunks[0],
        logical,
        packs.bytesOnDisk(),
        indexBytes,
        index.ramBytes(),
        uniqueBytes.get(),
        compressedBytes.get(),
        codec.compression());
  }

  /**
   * The chunk store's figures.
   *
   * @param chunks chunks in the index
   * @param logicalBytes bytes under live roots, before deduplication
   * @param storedBytes bytes of the pack files
   * @param indexBytes bytes of the index checkpoint
   * @param indexRamBytes heap held by the index
   * @param uniqueBytes distinct chunk bytes before compression
   * @param compressedBytes distinct chunk bytes after compression
   * @param compression the codec of new chunks
   */
  public record Stats(
      long chunks,
      long logicalBytes,
      long storedBytes,
      long indexBytes,
      long indexRamBytes,
      long uniqueBytes,
      long compressedBytes,
      Compression compression) {}

  // ---- gc and fsck ----

  /**
   * Removes every chunk no root and no write in progress references, and gives the space back to
   * the file system (see {@link GarbageCollector}). Safe while writes and reads run; makes progress
   * on a full disk.
   */
  public GcResult gc() throws IOException {
    ensureOpen();
    if (shared != null) {
      FleetCollector c = fleetCollector;
      if (c == null) {
        throw new ConflictException(
            "gc of a store shared through "
                + shared.stats().location()
                + " runs through the fleet's lock protocol, which this process does not serve;"
                + " nothing was removed");
      }
      return c.collect();
    }
    gcLock.lock();
    try {
      GcResult r = new GarbageCollector(this, index, packs).run();
      keepReserve();
      return r;
    } finally {
      gcLock.unlock();
    }
  }

  /**
   * Marks what GC may remove: every stored chunk in a pack up to {@code sealedUpTo} that no root
   * and no open session holds. They leave the index at once, under the exclusive side of {@link
   * #refLock}, so a writer either saw them as present and holds them, or stores them again.
   */
  RoaringBitmap markDead(int sealedUpTo) {
    RoaringBitmap dead = new RoaringBitmap();
    refLock.writeLock().lock();
    try {
      RoaringBitmap live = referencedExcept(null);
      for (WriteSession s : sessions) {
        live.or(s.held());
      }
      index.forEach(
          (id, loc) -> {
            if (Locations.isStored(loc)
                && Locations.packId(loc) <= sealedUpTo
                && !live.contains(id)) {
              dead.add(id);
            }
          });
      for (int id : dead) {
        index.remove(id);
      }
    } finally {
      refLock.writeLock().unlock();
    }
    return dead;
  }

  /**
   * GC moved chunk {@code id} to a copy; {@code original} stays whole until the copy is durable.
   */
  void copiedByGc(int id, long original) {
    gcOriginals.put(id, original);
  }

  /** GC's copies are durable and checkpointed, or given up on: the originals may go. */
  void copiesSettled() {
    gcOriginals.clear();
  }

  /** A dead chunk's bytes leave the totals. */
  void forgetBytes(int rawLen, int storedLen) {
    uniqueBytes.addAndGet(-rawLen);
    compressedBytes.addAndGet(-storedLen);
  }

  /** The space kept back for GC on a full disk. */
  SpaceReserve reserve() {
    return reserve;
  }

  /** The data root this store's directory lies in. */
  Path dataRoot() {
    return dir.getParent();
  }

  /**
   * Re-reads every record of every pack, checks its CRC, decodes it and re-hashes it, and checks
   * that every chunk the index or a root names is intact (see {@link Fsck}). Names each damaged
   * chunk or pack with the roots that use it. Works on a full disk.
   */
  public FsckReport fsck() throws IOException {
    ensureOpen();
    gcLock.lock();
    try {
      return new Fsck(this, index, packs).run(roots.values(), openNotes);
    } finally {
      gcLock.unlock();
    }
  }

  // ---- lifecycle ----

  private void ensureOpen() {
    if (closed) {
      throw new StrataException("chunk store " + dir + " is closed");
    }
  }

  /** Seals the open pack, writes the index checkpoint and closes everything. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    workers.shutdown();
    try {
      workers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    commits.lock().lock();
    gcLock.lock();
    try {
      packs.sealCurrent();
      if (shared != null) {
        // The bucket should hold what this store wrote; what does not make it goes up at the next
        // start, from the packs on this disk.
        shared.awaitUploads(60_000);
      }
      checkpoint();
      packs.close();
      rootLog.close();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing " + dir, e);
    } finally {
      gcLock.unlock();
      commits.lock().unlock();
      if (shared != null) {
        shared.close();
      }
    }
  }

  /** All roots, for listings. */
  public Collection<Root> allRoots() {
    return roots.values();
  }
}

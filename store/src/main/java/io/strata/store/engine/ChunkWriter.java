package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.chunk.LentArrays;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.compress.Dictionaries;
import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.Records;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The write path of a chunk store: hashes a chunk, deduplicates it against the index, and when new
 * compresses it (checking the encoding round-trips), seals its record and appends it to the open
 * pack. Runs on the caller's thread or on a pool of workers, whichever keeps every core busy (see
 * {@link #hasIdleCore}). Durability is not here: a session's commit makes its chunks durable
 * ({@link GroupCommit}).
 */
final class ChunkWriter {
  /** How long a writer waits for another's append of a chunk they share. */
  private static final long APPEND_WAIT_SECONDS = 60;

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(Digest::newSha256);

  private static final System.Logger LOG = System.getLogger(ChunkWriter.class.getName());

  private final Path dataRoot;
  private final FastCdc chunker;
  private final ChunkCodec codec;
  private final Dictionaries dictionaries;
  private final Map<Compression, ChunkCodec> codecs = new ConcurrentHashMap<>();
  private final boolean verifyWrites;
  private final ChunkIndex index;
  private final PackSet packs;
  private final LiveRoots live;
  private final ChunkTotals totals;
  private final DamagedChunks damaged;
  // Futures of chunks reserved and not yet appended that another writer deduplicated against.
  private final Map<Integer, CompletableFuture<Void>> pendingWrites = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final int threads;
  // Threads hashing and compressing a chunk right now: workers and object writers alike.
  private final AtomicInteger storing = new AtomicInteger();
  // Object writers inside a write call, cutting (and storing) chunks.
  private final AtomicInteger writing = new AtomicInteger();
  private final ByteArrayPool chunkBuffers;
  private final ByteArrayPool windows;
  private final ChunkGroups groups;
  private volatile boolean closed;

  ChunkWriter(
      Path dataRoot,
      StoreConfig config,
      ChunkStore.Options options,
      ChunkIndex index,
      PackSet packs,
      LiveRoots live,
      ChunkTotals totals,
      Dictionaries dictionaries,
      DamagedChunks damaged) {
    this.dataRoot = dataRoot;
    this.damaged = damaged;
    this.chunker = new FastCdc(config.chunker());
    this.dictionaries = dictionaries;
    this.codec = new ChunkCodec(options.compression(), dictionaries);
    this.verifyWrites = options.verifyWrites();
    this.index = index;
    this.packs = packs;
    this.live = live;
    this.totals = totals;
    this.threads = Math.max(1, options.threads());
    this.workers = Executors.newFixedThreadPool(threads, daemonThreads("strata-chunk"));
    // Enough for a few writers at once; beyond that arrays are allocated and dropped.
    this.chunkBuffers = new ByteArrayPool(ChunkerParams.MAX_CHUNK, 4 * (writeWindow() + 1));
    this.windows = new ByteArrayPool(2 * chunker.maxSize(), 4 * threads);
    int groupBytes = options.shared() != null ? 0 : options.groupBytes();
    this.groups =
        new ChunkGroups(
            dataRoot,
            groupBytes,
            codec,
            verifyWrites,
            dictionaries,
            index,
            packs,
            totals,
            new ChunkGroups.Outcome() {
              @Override
              public void appended(int id) {
                CompletableFuture<Void> f = pendingWrites.remove(id);
                if (f != null) {
                  f.complete(null);
                }
              }

              @Override
              public void failed(int id, Throwable e) {
                CompletableFuture<Void> f = pendingWrites.remove(id);
                if (f != null) {
                  f.completeExceptionally(e);
                }
              }
            },
            2 * threads + 2,
            workers,
            threads);
  }

  /** The groups of small new chunks not yet appended (readers and commits flush them). */
  ChunkGroups groups() {
    return groups;
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private void ensureOpen() {
    if (closed) {
      throw new StrataException("chunk store " + dataRoot.resolve("chunks") + " is closed");
    }
  }

  /** Refuses new chunks and lets the workers finish the ones they have. */
  void close() {
    closed = true;
    workers.shutdown();
    try {
      workers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  FastCdc chunker() {
    return chunker;
  }

  /** The compression new chunks are written with. */
  Compression compression() {
    return codec.compression();
  }

  /** Chunks an object writer keeps in flight: enough to keep every worker busy. */
  int writeWindow() {
    return 2 * threads + 2;
  }

  /** See {@link ChunkStore#putChunk(WriteSession, byte[], int, int, Compression)}. */
  ChunkStore.Stored putChunk(
      WriteSession session, byte[] b, int off, int len, Compression c, boolean groupable)
      throws IOException {
    ensureOpen();
    if (len > ChunkerParams.MAX_CHUNK) {
      throw new InvalidArgumentException(
          "chunk of " + len + " bytes exceeds the " + ChunkerParams.MAX_CHUNK + "-byte maximum");
    }
    ChunkRef r = storeChunk(session, b, off, len, codecFor(c), groupable);
    if (!r.isNew()) {
      // A chunk of its own group is readable from the group; another's may need waiting for.
      awaitAppended(session, r.id());
    }
    return new ChunkStore.Stored(r.id(), r.isNew(), r.storedBytes());
  }

  /** See {@link ChunkStore#putEncoded}. */
  ChunkStore.Stored putEncoded(
      WriteSession session, Digest d, Codec codec, byte[] enc, int encLen, int rawLen)
      throws IOException {
    ensureOpen();
    if (rawLen > ChunkerParams.MAX_CHUNK
        || encLen > ChunkCodec.maxEncodedLength(rawLen)
        || codec == Codec.ZSTD_DICT) {
      throw new InvalidArgumentException(
          "chunk " + d + ": " + encLen + " bytes encoding " + rawLen + " is out of range");
    }
    ChunkRef r =
        store(
            session,
            d,
            rawLen,
            id -> {
              byte[] rec = ChunkReader.RECORDS.take();
              try {
                System.arraycopy(enc, 0, rec, PackFormat.RECORD_HEADER, encLen);
                return appendRecord(id, d, rec, codec, encLen, rawLen, 0);
              } finally {
                ChunkReader.RECORDS.give(rec);
              }
            });
    awaitAppended(session, r.id());
    return new ChunkStore.Stored(r.id(), r.isNew(), r.storedBytes());
  }

  private ChunkCodec codecFor(Compression c) {
    return c == null || c.equals(codec.compression())
        ? codec
        : codecs.computeIfAbsent(c, k -> new ChunkCodec(k, dictionaries));
  }

  /**
   * Deduplicated against another writer's chunk not yet appended: wait for that append (its future
   * in {@link #pendingWrites}), as the caller may read the chunk when this returns.
   */
  private void awaitAppended(WriteSession session, int id) throws IOException {
    CompletableFuture<Void> f = pendingFuture(session, id);
    if (f == null) {
      return;
    }
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(APPEND_WAIT_SECONDS);
      while (!awaitOnce(id, f)) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while waiting for a shared chunk", e);
    } catch (ExecutionException e) {
      throw new StrataException(
          "chunk " + id + ": the write that held it failed; retry", e.getCause());
    } catch (TimeoutException e) {
      throw new StrataException("chunk " + id + ": another write holding it never finished", e);
    }
  }

  /** Another writer reserved this chunk and has not appended it yet: the commit waits for it. */
  private void awaitIfPending(WriteSession session, int id) throws IOException {
    CompletableFuture<Void> f = pendingFuture(session, id);
    if (f != null) {
      session.await(id, f);
    }
  }

  /**
   * Waits until the append of another writer's chunk {@code id} is done ({@code f}), for a commit
   * that deduplicated against it. A chunk the other writer put in a group after this one looked is
   * appended by this wait ({@link ChunkGroups#flushHolding}), not left to that writer's commit.
   */
  void awaitShared(int id, CompletableFuture<Void> f)
      throws IOException, ExecutionException, InterruptedException {
    while (!awaitOnce(id, f)) {
      // the other writer's group may have formed since: look again
    }
  }

  /** Appends the group holding {@code id} if there is one, then waits a little for {@code f}. */
  private boolean awaitOnce(int id, CompletableFuture<Void> f)
      throws IOException, ExecutionException, InterruptedException {
    groups.flushHolding(id);
    try {
      f.get(100, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }

  /**
   * The future of chunk {@code id}'s append if another writer reserved it and has not appended it
   * yet; null if it is appended, or waits in one of {@code session}'s own groups (its commit
   * appends them first). A chunk in another session's group not yet appended has that group
   * appended now: that session may not commit for a long while. Throws if that writer failed.
   */
  private CompletableFuture<Void> pendingFuture(WriteSession session, int id) throws IOException {
    if (index.location(id) != Locations.PENDING) {
      return null;
    }
    if (groups.heldOpenBy(id, session)) {
      return null;
    }
    if (groups.flushHolding(id) && Locations.isStored(index.location(id))) {
      return null;
    }
    CompletableFuture<Void> f = pendingWrites.computeIfAbsent(id, k -> new CompletableFuture<>());
    // Looked at again after the future is in place: the appender sets the location first, then
    // completes whatever future it finds, so one of the two always sees the other.
    long loc = index.location(id);
    if (loc == Locations.PENDING) {
      return f;
    }
    pendingWrites.remove(id, f);
    if (loc == Locations.NONE) {
      throw new StrataException("chunk " + id + ": the write that held it failed; retry");
    }
    return null;
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
   * Whether a new chunk of {@code len} bytes would join a group ({@link ChunkGroups}): storing it
   * is then only a hash, a look-up and a copy, its compression comes with its group's.
   */
  boolean joinsGroup(int len) {
    return groups.accepts(len);
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
              return storeChunk(session, buf, 0, len, codec, true);
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
      return storeChunk(session, b, off, len, codec, true);
    } finally {
      storing.decrementAndGet();
    }
  }

  private ChunkRef storeChunk(
      WriteSession session, byte[] b, int off, int len, ChunkCodec codec, boolean groupable)
      throws IOException {
    Digest d = Digest.sha256(SHA256.get(), b, off, len);
    if (groupable && codec == this.codec && groups.accepts(len)) {
      // Its pack bytes are known once the group is compressed: counted then, in the totals.
      return store(
          session,
          d,
          len,
          id -> {
            groups.add(session, id, d, b, off, len);
            return 0;
          });
    }
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
    live.lock().readLock().lock();
    try {
      r = index.lookupOrReserve(d);
      session.hold(r >= 0 ? r : -r - 1);
    } finally {
      live.lock().readLock().unlock();
    }
    if (r >= 0) {
      if (damaged.mayHold(r) && damaged.claim(r)) {
        return storeAgain(r, len, appender);
      }
      awaitIfPending(session, r);
      return new ChunkRef(r, len, false, 0);
    }
    int id = -r - 1;
    try {
      int recLen = appender.append(id);
      return new ChunkRef(id, len, true, recLen);
    } catch (IOException | RuntimeException | Error e) {
      // An Error too: a reservation left pending makes every later write of the chunk wait.
      index.remove(id);
      CompletableFuture<Void> f = pendingWrites.remove(id);
      if (f != null) {
        f.completeExceptionally(e);
      }
      if (e instanceof IOException io && DiskFull.causedBy(io)) {
        throw new StorageFullException("data root " + dataRoot + ": the disk is full", io);
      }
      throw e;
    }
  }

  /**
   * Stores chunk {@code id}, whose only copy was found damaged, again from the bytes a writer just
   * gave: the index places it in the new record once appended, and the damaged one becomes dead,
   * for gc. Meanwhile the chunk is pending, so that other writers of it wait for the new copy. If
   * the append fails the chunk goes back to where it was, still known damaged.
   */
  private ChunkRef storeAgain(int id, int len, Appender appender) throws IOException {
    long was = index.location(id);
    index.setLocation(id, Locations.PENDING);
    try {
      int recLen = appender.append(id);
      LOG.log(
          System.Logger.Level.INFO,
          "chunk {0}: its damaged copy replaced by a new one",
          index.digest(id));
      return new ChunkRef(id, len, true, recLen);
    } catch (IOException | RuntimeException | Error e) {
      index.setLocation(id, was);
      CompletableFuture<Void> f = pendingWrites.remove(id);
      if (f != null) {
        f.completeExceptionally(e);
      }
      try {
        damaged.add(id);
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  /** Compresses and appends a new chunk; returns the bytes its record takes. */
  private int append(int id, Digest d, byte[] b, int off, int rawLen, ChunkCodec codec)
      throws IOException {
    byte[] rec = ChunkReader.RECORDS.take();
    try {
      ChunkCodec.Encoded enc = codec.encode(b, off, rawLen, rec, PackFormat.RECORD_HEADER);
      if (verifyWrites && enc.codec() != Codec.NONE) {
        verifyEncoding(
            enc,
            rec,
            PackFormat.RECORD_HEADER,
            b,
            off,
            rawLen,
            dictionaries,
            "chunk ",
            d::toString);
      }
      return appendRecord(id, d, rec, enc.codec(), enc.length(), rawLen, enc.dictId());
    } finally {
      ChunkReader.RECORDS.give(rec);
    }
  }

  /**
   * Seals the record whose {@code encLen} stored bytes sit in {@code rec} after the header space,
   * appends it and records where it went.
   */
  private int appendRecord(
      int id, Digest d, byte[] rec, Codec codec, int encLen, int rawLen, int dictId)
      throws IOException {
    int len = Records.seal(rec, 0, id, codec, encLen, rawLen, d, dictId);
    packs.append(
        rec,
        0,
        len,
        (packId, offset) -> {
          index.setLocation(id, Locations.encode(packId, offset, encLen));
          totals.appended(packId, offset, rawLen, encLen, len);
        });
    CompletableFuture<Void> f = pendingWrites.remove(id);
    if (f != null) {
      f.complete(null);
    }
    return len;
  }

  /**
   * Decodes what the compressor produced and compares it with the original: a compressor bug must
   * not reach the disk (restic lost data to one). Comparing bytes is as strong as re-hashing them,
   * and cheaper.
   *
   * @param enc the encoding, whose frame is in {@code rec} at {@code frameAt}
   * @param b the original bytes, {@code len} of them at {@code off}
   * @param what names what was encoded, called only on failure (formatting a digest for every chunk
   *     showed up in the profile)
   */
  static void verifyEncoding(
      ChunkCodec.Encoded enc,
      byte[] rec,
      int frameAt,
      byte[] b,
      int off,
      int len,
      Dictionaries dictionaries,
      String kind,
      Supplier<String> name) {
    byte[] out = LentArrays.CHUNKS.take();
    try {
      try {
        ChunkCodec.decode(
            enc.codec(),
            enc.dictId(),
            dictionaries,
            rec,
            frameAt,
            enc.length(),
            out,
            0,
            len,
            "the chunk");
      } catch (CorruptDataException e) {
        String n = name.get();
        throw new CorruptDataException(
            kind + n + ": " + enc.codec() + " output does not decode; not stored", n, e);
      }
      if (!Arrays.equals(out, 0, len, b, off, off + len)) {
        String n = name.get();
        throw new CorruptDataException(
            kind + n + ": " + enc.codec() + " round trip changed the bytes; not stored", n);
      }
    } finally {
      LentArrays.CHUNKS.give(out);
    }
  }
}

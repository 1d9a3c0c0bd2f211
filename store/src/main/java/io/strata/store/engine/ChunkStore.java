package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.compress.Dictionaries;
import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.SpaceReserve;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.IndexFile;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import org.roaringbitmap.RoaringBitmap;

/**
 * The chunk store: packs, the chunk index and the roots, under one directory ({@code DATA/chunks}).
 * Everything above it (blobs, layers, containers) writes objects through {@link WriteSession}s and
 * reads chunks by id.
 *
 * <p>This class opens, composes and closes; each concern has a class of its own: {@link
 * ChunkWriter} (hash, dedup, compress, append), {@link ChunkReader}, {@link GroupCommit} (making
 * commits durable), {@link LiveRoots} (what keeps chunks alive, and the lock GC and writers share),
 * {@link Checkpoints}, {@link Recovery} (opening after a crash), {@link GarbageCollector}, {@link
 * Fsck}, and {@link SharedChunks} (a bucket shared with other stores).
 *
 * <p>Write order, which is what makes a crash lose nothing acknowledged: chunk records are appended
 * to the open pack; a commit fsyncs the pack, then appends the roots to the root log and fsyncs it,
 * then returns. Commits that arrive while one is being synced are batched into the next (group
 * commit). The index checkpoint is not on this path: records beyond it are found by scanning the
 * packs' tails on open.
 */
public final class ChunkStore implements ChunkAccess, Closeable {
  private static final System.Logger LOG = System.getLogger(ChunkStore.class.getName());

  /** The space reserve's file name. */
  static final String RESERVE_FILE = "reserve";

  /** The index checkpoint's file name. */
  static final String INDEX_FILE = "index";

  private final Path dir;
  private final StoreConfig config;
  private final ChunkIndex index;
  private final PackSet packs;
  private final RootLog rootLog;
  private final SpaceReserve reserve;
  private final ChunkTotals totals;
  private final LiveRoots live;
  private final ChunkWriter writer;
  private final ChunkReader reader;
  private final DamagedChunks damaged;
  private final Dictionaries dictionaries;
  private final Checkpoints checkpoints;
  private final GroupCommit commits;
  private final SharedChunks sharing;
  private final ReentrantLock gcLock = new ReentrantLock();
  // Where chunks that GC is copying were before, until the copies are durable: a failed fsync of
  // the copies' pack sends them back rather than dropping them.
  private final Map<Integer, Long> gcOriginals = new ConcurrentHashMap<>();
  // What the open found and mended, for fsck to list.
  private final List<String> openNotes;
  private volatile boolean closed;

  /**
   * Options of an open store.
   *
   * @param chunker chunk sizes, used only when the store is created
   * @param compression the codec of new chunks
   * @param verifyWrites decode every compressed chunk and compare it with the original before it is
   *     appended (see docs/FORMAT.md for the cost)
   * @param threads worker threads for hashing and compression
   * @param shared the bucket this store shares with other stratads, or null
   * @param groupBytes new chunks smaller than this are compressed together in groups of this many
   *     bytes (docs/FORMAT.md, "Group records"); 0 turns groups off. A store sharing a bucket
   *     writes no groups.
   * @param trainDictionary whether a store without a zstd dictionary trains one from its first
   *     chunks (docs/FORMAT.md, "Zstd dictionaries"); a store that has one uses it either way
   */
  public record Options(
      ChunkerParams chunker,
      Compression compression,
      boolean verifyWrites,
      int threads,
      SharedSettings shared,
      int groupBytes,
      boolean trainDictionary) {
    /**
     * Options with groups of the default size and a dictionary trained: the whole engine, as the
     * tests of its parts need it (stores made before dictionaries were off by default have one).
     */
    public Options(
        ChunkerParams chunker,
        Compression compression,
        boolean verifyWrites,
        int threads,
        SharedSettings shared) {
      this(chunker, compression, verifyWrites, threads, shared, ChunkGroups.DEFAULT_BYTES, true);
    }

    /**
     * The defaults, what stratad runs: groups of the default size, no dictionary trained. The
     * system property {@value #GROUP_BYTES} sets the group size ({@code
     * -Dstrata.store.groupBytes=0} in {@code STRATAD_JAVA_OPTS} turns groups off, for a comparison
     * in the same run) and {@value #TRAIN_DICTIONARY} ({@code =true}) trains a dictionary: with
     * groups it saves 0.15–0.5% of the bytes for 7–8% more import CPU (docs/FORMAT.md, "Zstd
     * dictionaries").
     */
    public static Options defaults() {
      return new Options(
          ChunkerParams.DEFAULT,
          Compression.DEFAULT,
          true,
          Runtime.getRuntime().availableProcessors(),
          null,
          Integer.getInteger(GROUP_BYTES, ChunkGroups.DEFAULT_BYTES),
          Boolean.getBoolean(TRAIN_DICTIONARY));
    }

    /** The system property that sets the default group size. */
    public static final String GROUP_BYTES = "strata.store.groupBytes";

    /** The system property that makes a store of the default options train a dictionary. */
    public static final String TRAIN_DICTIONARY = "strata.store.trainDictionary";

    public Options withCompression(Compression c) {
      return new Options(chunker, c, verifyWrites, threads, shared, groupBytes, trainDictionary);
    }

    public Options withChunker(ChunkerParams p) {
      return new Options(
          p, compression, verifyWrites, threads, shared, groupBytes, trainDictionary);
    }

    public Options withVerifyWrites(boolean v) {
      return new Options(chunker, compression, v, threads, shared, groupBytes, trainDictionary);
    }

    /** Shares the store with other stratads through a bucket (null: a store of this disk only). */
    public Options withShared(SharedSettings s) {
      return new Options(
          chunker, compression, verifyWrites, threads, s, groupBytes, trainDictionary);
    }

    /** Compresses new chunks under {@code bytes} together in groups of that size (0: never). */
    public Options withGroupBytes(int bytes) {
      return new Options(
          chunker, compression, verifyWrites, threads, shared, bytes, trainDictionary);
    }

    /** Trains a zstd dictionary when the store has none ({@code train}), or does not. */
    public Options withTrainDictionary(boolean train) {
      return new Options(chunker, compression, verifyWrites, threads, shared, groupBytes, train);
    }
  }

  private ChunkStore(
      Path dir,
      Options options,
      Recovery.Recovered r,
      SharedStore shared,
      Dictionaries dictionaries,
      DamagedChunks damaged) {
    this.dir = dir;
    this.dictionaries = dictionaries;
    this.config = r.config();
    this.index = r.index();
    this.packs = r.packs();
    this.rootLog = r.rootLog();
    this.reserve = new SpaceReserve(dir.resolve(RESERVE_FILE));
    this.totals = new ChunkTotals(r.uniqueBytes(), r.compressedBytes());
    this.live = new LiveRoots(r.roots());
    this.openNotes = List.copyOf(r.notes());
    this.damaged = damaged;
    this.writer =
        new ChunkWriter(
            dir.getParent(), config, options, index, packs, live, totals, dictionaries, damaged);
    this.reader = new ChunkReader(index, packs, dictionaries, writer.groups());
    this.checkpoints =
        new Checkpoints(dir.resolve(INDEX_FILE), index, packs, rootLog, live, totals);
    this.sharing = new SharedChunks(dir, index, packs, live, totals, shared);
    this.commits =
        new GroupCommit(
            dir.getParent(),
            packs,
            index,
            rootLog,
            reserve,
            totals,
            new GroupCommit.Publisher() {
              @Override
              public void publish(WriteSession session, List<RootChange> changes) {
                live.apply(session, changes);
              }

              @Override
              public void abandon(WriteSession session) {
                live.ended(session);
              }

              @Override
              public void afterBatch() {
                checkpoints.writeIfDue();
              }
            });
    packs.onLoss(this::forgetLost);
    packs.onSealedDurably(totals::packDurable);
  }

  /**
   * Opens the store in {@code dir}, creating it if empty. Recovers from a crash ({@link Recovery}):
   * scans the packs beyond the index checkpoint, cuts off a torn tail and seals the pack that was
   * open, and replays the root log from its two copies. Works on a full disk.
   */
  public static ChunkStore open(Path dir, Options options) throws IOException {
    SharedStore shared = null;
    IntPredicate inBucket = id -> false;
    String bucket = options.shared() == null ? SharedStore.bucketOf(dir) : null;
    if (bucket != null) {
      // Served alone, what it stored would never reach the bucket, and its packs could never be
      // uploaded later (they would hold records a shared store cannot publish).
      throw new StrataException(
          "data root "
              + dir.getParent()
              + " belongs to the store shared through "
              + bucket
              + "; start stratad with --store for it (and its --s3-* options)");
    }
    if (options.shared() != null) {
      shared = SharedStore.connect(options.shared(), dir);
      SharedChunks.agreeOnConfig(shared, dir, options.chunker());
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

  private static ChunkStore open(
      Path dir, Options options, SharedStore shared, IntPredicate inBucket) throws IOException {
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
    Dictionaries dictionaries;
    DamagedChunks damaged;
    try {
      dictionaries = Dictionaries.open(dir, options.trainDictionary());
      damaged = DamagedChunks.open(dir);
      for (int id : r.damagedChunks()) {
        damaged.add(id);
      }
    } catch (IOException | RuntimeException e) {
      r.packs().close();
      r.rootLog().close();
      throw e;
    }
    ChunkStore store = new ChunkStore(dir, options, r, shared, dictionaries, damaged);
    if (shared != null) {
      try {
        shared.shareDictionaries(dictionaries);
        shared.start(r.index(), r.packs(), r.indexedPacks(), store.sharing::adopt);
      } catch (IOException | RuntimeException e) {
        // The caller closes the bucket; this store must not wait for its uploads.
        store.sharing.detach();
        store.close();
        throw e;
      }
    }
    if (r.scanned()) {
      try {
        store.checkpoints.write();
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

  /** Keeps the space reserve as large as the index needs, as far as the disk allows. */
  private void keepReserve() throws IOException {
    reserve.ensure(SpaceReserve.sizeFor((long) index.size() * IndexFile.ENTRY_BYTES));
  }

  private void ensureOpen() {
    if (closed) {
      throw new StrataException("chunk store " + dir + " is closed");
    }
  }

  // ---- writing ----

  /** Opens a write session; close or commit it. */
  public WriteSession session() {
    ensureOpen();
    WriteSession s = new WriteSession(this);
    live.opened(s);
    return s;
  }

  /**
   * The store's zstd dictionaries ({@code chunks/dicts/}, docs/FORMAT.md): trained on the first new
   * chunks; {@link Dictionaries#install} stores one made elsewhere.
   */
  public Dictionaries dictionaries() {
    return dictionaries;
  }

  /** The write path, for the object writers of this store's sessions. */
  ChunkWriter writer() {
    return writer;
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
    return writer.putChunk(session, b, off, len, compression, true);
  }

  /**
   * Stores a tree node: as {@link #putChunk(WriteSession, byte[], int, int)}, but always as a
   * record of its own, never in a group. A lookup that misses the node cache reads one node, and a
   * node alone decodes in microseconds where its group would cost a whole group's decode (docs/
   * FORMAT.md, group records): cold metadata walks (find, stat, a container's first lookups) keep
   * their speed, for a little of the space groups save.
   */
  @Override
  public Stored putNode(WriteSession session, byte[] node, int off, int len) throws IOException {
    ensureOpen();
    Stored s;
    try {
      s = writer.putChunk(session, node, off, len, null, false);
    } catch (StorageFullException full) {
      // A node is metadata: when the change waits for nothing else (a removal's), it may take the
      // space reserve, as its pack sync may (GroupCommit)
      if (!commits.releaseReserveForNodesOf(session)) {
        throw full;
      }
      s = writer.putChunk(session, node, off, len, null, false);
    }
    session.nodeStored(s.id());
    return s;
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
    return writer.putEncoded(session, d, codec, enc, encLen, rawLen);
  }

  /**
   * A chunk stored by {@link #putChunk}.
   *
   * @param id its id
   * @param isNew whether this call wrote it (false: deduplicated)
   * @param storedBytes pack bytes it took when new
   */
  public record Stored(int id, boolean isNew, int storedBytes) {}

  /**
   * Makes the session's chunks and {@code changes} durable, applies the changes and ends the
   * session (see {@link GroupCommit}).
   */
  void commit(WriteSession session, List<RootChange> changes) throws IOException {
    ensureOpen();
    commits.commit(session, changes);
  }

  void endSession(WriteSession s) {
    live.ended(s);
  }

  /**
   * Tells {@code listener} of every durable change to the roots, after it is applied. It runs on
   * the committing thread: it must only take note (queue work), never block or commit.
   */
  public void onRootChanges(Consumer<List<RootChange>> listener) {
    live.onChanges(listener);
  }

  /**
   * Forgets the chunks whose records lie in pack {@code packId} at or after {@code durableEnd}: an
   * fsync of the pack failed, so they never became durable. None was acknowledged; a commit that
   * would name one fails from now on instead of recording a root that points at nothing.
   */
  private void forgetLost(int packId, long durableEnd) {
    RoaringBitmap gone = new RoaringBitmap();
    live.lock().writeLock().lock();
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
      totals.lost(packId, durableEnd);
    } finally {
      live.lock().writeLock().unlock();
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "pack {0}: an fsync failed; {1} chunks written after byte {2} are dropped (none was"
            + " acknowledged)",
        PackFormat.fileName(packId),
        gone.getCardinality(),
        durableEnd);
  }

  /** Rewrites the root log to hold just the live roots (commits wait meanwhile). */
  void compactRoots() throws IOException {
    commits.lock().lock();
    try {
      rootLog.compact(live.all());
    } finally {
      commits.lock().unlock();
    }
  }

  /** Writes the index checkpoint (with appends held off while it is taken). */
  void checkpoint() throws IOException {
    checkpoints.write();
  }

  /** The compression new chunks are written with. */
  public Compression compression() {
    return writer.compression();
  }

  /** The chunk sizes this store cuts objects with (fixed when the store was created). */
  @Override
  public ChunkerParams chunkerParams() {
    return config.chunker();
  }

  // ---- reading ----

  /** The root named {@code name}, or null. */
  public Root root(String name) {
    return live.root(name);
  }

  /** Every root whose name starts with {@code prefix}. */
  public List<Root> roots(String prefix) {
    return live.withPrefix(prefix);
  }

  /** All roots, for listings. */
  public Collection<Root> allRoots() {
    return live.all();
  }

  /**
   * Reads chunk {@code id} into {@code dst} (room for the chunk: {@link ChunkerParams#MAX_CHUNK}
   * for any) and returns its length. Checks the record's CRC; throws {@link
   * io.strata.store.error.CorruptDataException} naming the chunk and pack if it fails, never
   * returning damaged bytes.
   */
  public int read(int id, byte[] dst) throws IOException {
    try {
      return reader.read(id, dst);
    } catch (CorruptDataException e) {
      throw foundDamaged(id, e);
    }
  }

  /**
   * Remembers that chunk {@code id}'s stored copy failed a read ({@code e}), so that a put of its
   * bytes stores it anew ({@link DamagedChunks}); returns {@code e} to throw.
   */
  private CorruptDataException foundDamaged(int id, CorruptDataException e) {
    if (Locations.isStored(index.location(id))) {
      try {
        damaged.add(id);
      } catch (IOException | RuntimeException noted) {
        e.addSuppressed(noted);
      }
    }
    return e;
  }

  /**
   * Whether any chunk of {@code ids} (a blob's, layer's or root's chunk set) is known damaged. A
   * write that would reuse such an object by its digest instead of reading its bytes treats it as
   * missing, so that the bytes come again and mend it (docs/FORMAT.md, "Mending a damaged chunk").
   * While nothing is known damaged this is one volatile read.
   */
  public boolean holdsDamaged(RoaringBitmap ids) {
    return damaged.holdsAnyOf(ids);
  }

  /**
   * Reads chunk {@code id}, known damaged, once more and takes it off the damaged set if it now
   * reads whole and matches its digest: the damage was in the bucket's copy of a pack, which the
   * owner's fsck has since uploaded again. True if it is not (or no longer) known damaged.
   */
  public boolean readsIntactAgain(int id) throws IOException {
    if (!damaged.mayHold(id)) {
      return true;
    }
    Digest d = index.digest(id);
    byte[] buf = new byte[ChunkerParams.MAX_CHUNK];
    int n;
    try {
      n = reader.read(id, buf);
    } catch (CorruptDataException | io.strata.store.remote.MissingObjectException e) {
      return false;
    }
    if (d == null || !Digest.sha256(buf, 0, n).equals(d)) {
      return false;
    }
    damaged.claim(id);
    return true;
  }

  /** Whether chunk {@code id} is known damaged ({@link #holdsDamaged} for one chunk). */
  public boolean isDamaged(int id) {
    return damaged.mayHold(id);
  }

  /**
   * Chunk {@code id} as it is stored, for sending it on without decoding it: copies its stored
   * bytes to {@code dst} (room for {@link io.strata.store.compress.ChunkCodec#maxEncodedLength} of
   * the largest chunk) and returns its header (codec, stored and raw lengths). The CRC is checked
   * as for {@link #read}.
   */
  public RecordHeader readStored(int id, byte[] dst) throws IOException {
    try {
      return reader.readStored(id, dst);
    } catch (CorruptDataException e) {
      throw foundDamaged(id, e);
    }
  }

  /** See {@link ChunkAccess#idOf}. */
  @Override
  public int idOf(Digest d) {
    return index.lookup(d);
  }

  /** See {@link ChunkAccess#readableIdOf}. */
  @Override
  public int readableIdOf(Digest d) {
    return index.lookupReadable(d);
  }

  /** The digest of chunk {@code id}, or null if the index lacks it. */
  public Digest digest(int id) {
    return index.digest(id);
  }

  /** Pack bytes chunk {@code id} takes, 0 if absent. */
  public int storedBytes(int id) {
    return GroupedLocations.storedBytes(index.location(id));
  }

  /** Pack bytes of the chunks in {@code ids} (those the index holds). */
  public long storedBytes(RoaringBitmap ids) {
    long total = 0;
    for (int id : ids) {
      total += storedBytes(id);
    }
    return total;
  }

  /** The union of every root's chunks except those of {@code excluded}. */
  public RoaringBitmap referencedExcept(String excluded) {
    return live.referencedExcept(excluded);
  }

  /** The store's figures. */
  public Stats stats() throws IOException {
    long logical = 0;
    for (Root r : live.all()) {
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
        totals.uniqueBytes(),
        totals.compressedBytes(),
        writer.compression());
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

  // ---- a bucket shared with other stores ----

  /** The bucket this store shares, or null for a store of this disk only. */
  public SharedStore shared() {
    return sharing.bucket();
  }

  /**
   * Makes everything written so far readable by the other stores sharing the bucket: seals the open
   * pack and waits until every sealed pack and its index segment are uploaded.
   */
  public void publishToBucket(long timeoutMillis) throws IOException {
    sharing.publish(timeoutMillis);
  }

  /**
   * Condemns {@code ids} (null: none) for a fleet's gc and returns, atomically with it, every chunk
   * a root or a write in progress references: a writer either holds a condemned chunk by now, and
   * it is in the set returned, or will store its bytes again (see {@link ChunkIndex#condemn}).
   */
  public RoaringBitmap condemnAndCollectLive(RoaringBitmap ids) {
    return sharing.condemnAndCollectLive(ids);
  }

  /** Every id the index holds for digest {@code d}, condemned ones included. */
  @Override
  public int[] idsOf(Digest d) {
    return index.lookupAll(d);
  }

  /** Chunk ids in the packs {@code packIds}, as the index places them. */
  public RoaringBitmap chunksIn(Set<Integer> packIds) {
    return sharing.chunksIn(packIds);
  }

  /**
   * Forgets the packs a fleet's gc deleted from the bucket: their chunks leave the index (no root
   * references them: the gc made sure) and this disk's copies are dropped.
   */
  public void forgetPacks(Set<Integer> packIds) throws IOException {
    // under the gc lock, as fsck runs: a pack retired in the middle of a check was reported as a
    // missing pack file
    gcLock.lock();
    try {
      sharing.forgetPacks(packIds);
    } finally {
      gcLock.unlock();
    }
  }

  /** Where the index places chunk {@code id} ({@link Locations}; NONE if absent). */
  public long location(int id) {
    return index.location(id);
  }

  /**
   * Applies a fleet gc's alias map: each duplicate found at its {@code from} (or absent) is read at
   * its canonical {@code to} from now on, and the index checkpoint is written before this returns,
   * so the node answers the generation only once a crash can no longer take the aliases back (the
   * duplicates' packs are deleted after every node answered). Entries whose canonical pack this
   * store no longer knows are skipped. Returns how many chunks moved.
   */
  public int applyAliases(List<ChunkAlias> aliases) throws IOException {
    ensureOpen();
    // under the gc lock, as fsck runs: a chunk moved into a pack the check had already read was
    // reported as a damaged record there
    gcLock.lock();
    try {
      int moved = sharing.applyAliases(aliases);
      if (moved > 0) {
        checkpoints.write();
      }
      return moved;
    } finally {
      gcLock.unlock();
    }
  }

  /**
   * Copies the records at {@code from} (locations, in this store's packs or the bucket's) as they
   * are, chunk ids included, to this store's open pack, checking each header and CRC, and makes
   * them durable; returns where each landed. The index is not changed: the fleet's gc points the
   * chunks at the copies through an alias map once their pack is in the bucket (repacking).
   */
  public long[] copyRecords(long[] from) throws IOException {
    ensureOpen();
    return sharing.copyRecords(from);
  }

  /** Runs a store's gc when it shares a bucket: the fleet's protocol (set by the fleet package). */
  @FunctionalInterface
  public interface FleetCollector {
    GcResult collect() throws IOException;
  }

  /** Makes {@link #gc} run {@code c}, the fleet's gc, for a store that shares a bucket. */
  public void fleetCollector(FleetCollector c) {
    sharing.fleetCollector(c);
  }

  /**
   * Called after a commit failed on a full disk. Records appended since the open pack's last fsync
   * wait in its buffer until the disk has room for them, and every commit that names one of them,
   * or stores anything after them (a remove's tree nodes), fails until then: a removal, which would
   * make the room, could never be recorded. So if the pack still cannot be made durable, what it
   * holds beyond its last fsync is given up, as a failed fsync gives it up (none of it was
   * acknowledged; a write still holding one of those chunks fails its commit as lost), and the file
   * is cut back, which frees what of it reached the disk. Logs what went wrong; never throws.
   */
  @Override
  public void abandonUnwritable() {
    ensureOpen();
    try {
      packs.sync();
    } catch (IOException | RuntimeException e) {
      if (DiskFull.causedBy(e)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "chunk store {0}: the disk is full; giving up the open pack''s records that cannot be"
                + " written, so that removals can be recorded",
            dir);
        packs.abandonOpen();
      } else {
        LOG.log(System.Logger.Level.WARNING, "chunk store {0}: syncing packs: {1}", dir, e);
      }
    }
  }

  // ---- gc and fsck ----

  /**
   * Removes every chunk no root and no write in progress references, and gives the space back to
   * the file system (see {@link GarbageCollector}). Safe while writes and reads run; makes progress
   * on a full disk. A store sharing a bucket runs the fleet's gc instead.
   */
  public GcResult gc() throws IOException {
    ensureOpen();
    if (sharing.bucket() != null) {
      return sharing.collect();
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
   * LiveRoots#lock}, so a writer either saw them as present and holds them, or stores them again.
   */
  DeadChunks markDead(int sealedUpTo) {
    RoaringBitmap dead = new RoaringBitmap();
    RoaringBitmap packIds = new RoaringBitmap();
    live.lock().writeLock().lock();
    try {
      RoaringBitmap held = live.live();
      index.forEach(
          (id, loc) -> {
            if (Locations.isStored(loc)
                && Locations.packId(loc) <= sealedUpTo
                && !held.contains(id)) {
              dead.add(id);
              packIds.add(Locations.packId(loc));
            }
          });
      for (int id : dead) {
        index.remove(id);
      }
    } finally {
      live.lock().writeLock().unlock();
    }
    return new DeadChunks(dead, packIds);
  }

  /**
   * What {@link #markDead} took out of the index.
   *
   * @param ids the dead chunks
   * @param packIds the packs their records are in: each has bytes to take out of the totals,
   *     whether or not its figures show waste (a group member's share is rounded up, so a small
   *     member dying among live ones may leave none: docs/ADVERSARIAL.md, AG4)
   */
  record DeadChunks(RoaringBitmap ids, RoaringBitmap packIds) {}

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
    totals.removed(rawLen, storedLen);
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
      FsckReport report = new Fsck(this, index, packs).run(live.all(), openNotes);
      for (FsckReport.Damage d : report.damaged()) {
        // A damaged chunk the index still places: a put of its bytes stores it anew
        int id;
        try {
          id = index.lookup(Digest.parse(d.chunk()));
        } catch (InvalidArgumentException packOrFile) {
          continue; // a pack or dictionary named as a file: its chunks are named too
        }
        if (id >= 0 && Locations.isStored(index.location(id))) {
          damaged.add(id);
        }
      }
      return report;
    } finally {
      gcLock.unlock();
    }
  }

  // ---- lifecycle ----

  /**
   * The checkpoint a close writes, a shortcut for the next open: on a full disk it is left out (the
   * next open scans the packs written since the last one) rather than failing the close, which
   * would leave the packs and the root log open.
   */
  private void checkpointAtClose() throws IOException {
    try {
      checkpoints.write();
    } catch (IOException | UncheckedIOException e) {
      IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
      if (!DiskFull.causedBy(io)) {
        throw io;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: the disk is full; closed without an index checkpoint (the next open"
              + " scans the packs written since the last one)",
          dir);
    }
  }

  /** Seals the open pack, writes the index checkpoint and closes everything. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    writer.close();
    dictionaries.close();
    commits.lock().lock();
    gcLock.lock();
    SharedStore shared = sharing.bucket();
    try {
      packs.sealCurrent();
      if (shared != null) {
        // The bucket should hold what this store wrote; what does not make it goes up at the next
        // start, from the packs on this disk.
        shared.awaitUploads(60_000);
      }
      checkpointAtClose();
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
}

package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.ConflictException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackSet;
import io.strata.store.remote.SharedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.roaringbitmap.RoaringBitmap;

/**
 * What a chunk store does for the other stores sharing its bucket ({@link SharedStore}, the fleet
 * package): agreeing on the chunker, indexing their chunks, publishing its own packs, and the
 * chunk-level steps of a fleet's gc (condemning, forgetting deleted packs). A store of this disk
 * only has one too, without a bucket, for the steps that need none.
 */
final class SharedChunks {
  private final Path dir;
  private final ChunkIndex index;
  private final PackSet packs;
  private final LiveRoots live;
  private final ChunkTotals totals;
  // Null for a store of this disk only, or once detached from a bucket that failed to start.
  private volatile SharedStore shared;
  private volatile ChunkStore.FleetCollector fleetCollector;

  SharedChunks(
      Path dir,
      ChunkIndex index,
      PackSet packs,
      LiveRoots live,
      ChunkTotals totals,
      SharedStore shared) {
    this.dir = dir;
    this.index = index;
    this.packs = packs;
    this.live = live;
    this.totals = totals;
    this.shared = shared;
  }

  /**
   * Every store sharing a bucket must cut chunks alike, or none would deduplicate against another:
   * the first publishes its config, the others take it (a new data root) or must match it.
   */
  static void agreeOnConfig(SharedStore shared, Path dir, ChunkerParams chunker)
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

  /** The bucket, or null for a store of this disk only. */
  SharedStore bucket() {
    return shared;
  }

  /** Lets go of a bucket that failed to start, so the store closes without it. */
  void detach() {
    shared = null;
  }

  /** Indexes a chunk another store sharing the bucket put there. */
  void adopt(int id, Digest d, long loc, int rawLen, int storedLen) {
    if (index.insert(id, d, loc)) {
      totals.added(rawLen, storedLen);
    }
  }

  /** See {@link ChunkStore#publishToBucket}. */
  void publish(long timeoutMillis) throws IOException {
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

  /** See {@link ChunkStore#condemnAndCollectLive}. */
  RoaringBitmap condemnAndCollectLive(RoaringBitmap ids) {
    live.lock().writeLock().lock();
    try {
      index.condemn(ids);
      return live.live();
    } finally {
      live.lock().writeLock().unlock();
    }
  }

  /** Chunk ids in the packs {@code packIds}, as the index places them. */
  RoaringBitmap chunksIn(Set<Integer> packIds) {
    RoaringBitmap out = new RoaringBitmap();
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && packIds.contains(Locations.packId(loc))) {
            out.add(id);
          }
        });
    return out;
  }

  /** See {@link ChunkStore#forgetPacks}. */
  void forgetPacks(Set<Integer> packIds) throws IOException {
    live.lock().writeLock().lock();
    try {
      for (int id : chunksIn(packIds)) {
        long loc = index.location(id);
        index.remove(id);
        totals.removedStored(Locations.storedLen(loc));
      }
    } finally {
      live.lock().writeLock().unlock();
    }
    if (shared != null) {
      shared.forget(packIds);
    }
  }

  /** See {@link ChunkStore#applyAliases}. */
  int applyAliases(java.util.List<ChunkAlias> aliases) {
    int changed = 0;
    live.lock().writeLock().lock();
    try {
      for (ChunkAlias a : aliases) {
        int to = Locations.packId(a.to());
        if (!packs.isLocal(to) && (shared == null || shared.length(to) < 0)) {
          continue; // the canonical copy's pack is gone: so is every root that needed it
        }
        long was = index.location(a.chunkId());
        if (index.alias(a.chunkId(), a.from(), a.to(), a.digest())) {
          changed++;
          if (Locations.isStored(was)) {
            // Its own record no longer counts: the canonical one already does.
            totals.removedStored(Locations.storedLen(was));
          }
        }
      }
    } finally {
      live.lock().writeLock().unlock();
    }
    return changed;
  }

  /** See {@link ChunkStore#copyRecords}. */
  long[] copyRecords(long[] from) throws IOException {
    long[] to = new long[from.length];
    byte[] rec = new byte[ChunkReader.recordBytes()];
    for (int i = 0; i < from.length; i++) {
      int packId = Locations.packId(from[i]);
      long offset = Locations.offset(from[i]);
      int len = io.strata.store.pack.PackFormat.recordLength(Locations.storedLen(from[i]));
      String where = io.strata.store.pack.PackFormat.fileName(packId) + " offset " + offset;
      if (!packs.read(packId, offset, rec, len)) {
        throw new io.strata.store.error.CorruptDataException(
            where + ": the pack is gone; nothing was copied", where);
      }
      io.strata.store.pack.RecordHeader h = io.strata.store.pack.Records.header(rec, 0, len, where);
      io.strata.store.pack.Records.checkCrc(rec, 0, h, where);
      int at = i;
      packs.append(
          rec,
          0,
          len,
          (np, no) -> to[at] = Locations.encode(np, no, Locations.storedLen(from[at])));
    }
    packs.sync();
    return to;
  }

  void fleetCollector(ChunkStore.FleetCollector c) {
    this.fleetCollector = c;
  }

  /** See {@link ChunkStore#gc}: the fleet's gc, or a refusal naming the bucket. */
  GcResult collect() throws IOException {
    ChunkStore.FleetCollector c = fleetCollector;
    if (c == null) {
      throw new ConflictException(
          "gc of a store shared through "
              + shared.stats().location()
              + " runs through the fleet's lock protocol, which this process does not serve;"
              + " nothing was removed");
    }
    return c.collect();
  }
}

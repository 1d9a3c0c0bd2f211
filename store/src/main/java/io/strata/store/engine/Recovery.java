package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.IndexFile;
import io.strata.store.index.Locations;
import io.strata.store.pack.CutShortPack;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.pack.PackSet;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opening a chunk store's directory as a crash or a full disk left it: the index checkpoint is read
 * (or the index rebuilt from the packs when it is lost or damaged), the packs' tails beyond it are
 * scanned, the pack a crash left open is cut at its last intact record and sealed, and the root log
 * is replayed from its two copies. Refuses, naming the file, to open a store whose catalogue of
 * roots is lost: serving it would show an empty store and let GC delete everything.
 */
final class Recovery {
  private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

  private Recovery() {}

  /**
   * What was found on disk.
   *
   * @param config the store's fixed settings
   * @param index the chunk index, complete
   * @param packs the packs, all sealed
   * @param rootLog the root log, open for appends
   * @param roots the live roots
   * @param uniqueBytes distinct chunk bytes before compression
   * @param compressedBytes the same after
   * @param scanned whether packs were scanned beyond the checkpoint (a new checkpoint saves the
   *     next open that work)
   * @param damagedChunks chunks indexed at a damaged record, to be known damaged ({@link
   *     DamagedRecords})
   */
  record Recovered(
      StoreConfig config,
      ChunkIndex index,
      PackSet packs,
      RootLog rootLog,
      Map<String, Root> roots,
      long uniqueBytes,
      long compressedBytes,
      boolean scanned,
      List<String> notes,
      java.util.Set<Integer> indexedPacks,
      List<Integer> damagedChunks) {}

  /**
   * Opens {@code dir}. {@code inBucket} says which packs a shared store's bucket holds (for a local
   * store: none): the checkpoint may cover such packs without this disk holding them.
   */
  static Recovered open(Path dir, ChunkerParams chunker, java.util.function.IntPredicate inBucket)
      throws IOException {
    AtomicFiles.createPrivateDirectories(dir);
    Path packDir = dir.resolve("packs");
    AtomicFiles.createPrivateDirectories(packDir);
    if (!Files.exists(dir.resolve(StoreConfig.FILE)) && !PackSet.listIds(packDir).isEmpty()) {
      throw new CorruptDataException(
          "chunk store "
              + dir
              + ": "
              + StoreConfig.FILE
              + " is missing while packs hold chunks; its chunker sizes cannot be guessed, so"
              + " refusing to open (restore it; a store created with the defaults has "
              + ChunkerParams.DEFAULT
              + ")",
          dir.resolve(StoreConfig.FILE).toString());
    }
    StoreConfig config = StoreConfig.loadOrCreate(dir, chunker);
    Path indexFile = dir.resolve(ChunkStore.INDEX_FILE);
    // A checkpoint cut short by a crash or a full disk: never read, and it holds space.
    Files.deleteIfExists(AtomicFiles.temporaryOf(indexFile));
    IndexFile.Checkpoint cp = IndexFile.read(indexFile);
    ChunkIndex index = cp != null ? cp.index() : new ChunkIndex(0);
    Map<Integer, Long> covered = cp != null ? cp.covered() : Map.of();
    long[] totals = cp != null ? new long[] {cp.uniqueBytes(), cp.compressedBytes()} : new long[2];
    List<Integer> onDisk = PackSet.listIds(packDir);
    if (!RootLog.exists(dir) && !onDisk.isEmpty()) {
      throw new CorruptDataException(
          "chunk store "
              + dir
              + ": both copies of the root log ("
              + RootLog.FILE
              + ", "
              + RootLog.MIRROR
              + ") are missing while "
              + onDisk.size()
              + " packs hold chunks; refusing to open an empty catalogue, as GC would delete them",
          dir.resolve(RootLog.FILE).toString());
    }
    if (cp == null && !onDisk.isEmpty()) {
      LOG.log(System.Logger.Level.INFO, "chunk index of {0}: rebuilding from the packs", dir);
    }
    boolean scanned = cp == null;
    List<String> notes = new ArrayList<>();
    ReplayedCopies copies = new ReplayedCopies(packDir, inBucket);
    DamagedRecords unindexed = new DamagedRecords();
    TornTails tornTails = new TornTails();
    for (int id : onDisk) {
      Path p = packDir.resolve(PackFormat.fileName(id));
      long from = covered.getOrDefault(id, (long) PackFormat.HEADER_SIZE);
      if (from >= Files.size(p) && covered.containsKey(id) && PackScanner.isSealed(p)) {
        continue; // the usual case: nothing beyond the checkpoint, and sealed
      }
      scanned = true;
      PackScanner.Result r =
          PackScanner.scan(
              p,
              from,
              (h, offset, buf, off) -> {
                if (h.grouped()) {
                  GroupMembers.forEach(
                      h,
                      id,
                      offset,
                      buf,
                      off,
                      (chunkId, digest, loc, rawLen) -> {
                        if (index.insert(chunkId, digest, loc)) {
                          totals[0] += rawLen;
                          totals[1] += GroupedLocations.storedBytes(loc);
                        } else {
                          copies.add(chunkId, loc);
                        }
                      });
                  return;
                }
                long loc = Locations.encode(id, offset, h.storedLen());
                if (index.insert(h.chunkId(), h.digest(), loc)) {
                  totals[0] += h.rawLen();
                  totals[1] += h.storedLen();
                } else {
                  copies.add(h.chunkId(), loc);
                }
              });
      unindexed.add(p, id, r.damaged());
      if (!r.sealed() && r.validEnd() <= PackFormat.HEADER_SIZE) {
        // Created just before a crash: no record reached it, and its header may not have either.
        Files.delete(p);
        AtomicFiles.syncDirectory(packDir);
      } else if (!r.sealed()) {
        if (!r.damaged().isEmpty()) {
          String note =
              "pack "
                  + PackFormat.fileName(id)
                  + ", open at a crash: the records at offsets "
                  + r.damaged()
                  + " are damaged while intact records follow them; kept as damage, not cut as a"
                  + " torn end (fsck names a chunk a root used in them; a put of its bytes mends"
                  + " it where the damaged record still names it, else see fsck)";
          LOG.log(System.Logger.Level.WARNING, note);
          notes.add(note);
        }
        tornTails.add(p, id, r.validEnd(), Files.size(p), r.torn());
        CutShortPack.seal(p, id, r.validEnd(), r.headerOk());
      }
    }
    copies.preferIntact(index, totals);
    for (int id : covered.keySet()) {
      if (!onDisk.contains(id) && !inBucket.test(id)) {
        String gone =
            inBucket instanceof io.strata.store.remote.BucketPacks b ? b.goneBecause(id) : null;
        if (gone != null) {
          // Nothing is wrong: the node was down (or not yet told) when the fleet gc deleted it,
          // and forgets it as any node does; a note blaming a full disk sent people looking.
          LOG.log(System.Logger.Level.INFO, "pack {0} is gone: {1}", PackFormat.fileName(id), gone);
          continue;
        }
        LOG.log(System.Logger.Level.WARNING, "pack {0} is missing; fsck names what it held", id);
        notes.add(
            "pack "
                + PackFormat.fileName(id)
                + ", which the index checkpoint lists, is missing (a gc on a full disk unlinks"
                + " dead packs before checkpointing; anything a root used in it is named as damage)");
      }
    }
    PackSet packs = PackSet.open(packDir);
    // A missing pack's id is never given to a new pack: the index still places chunks in it (the
    // damage fsck names), and they would be looked up in the new pack's records.
    int[] highest = {0};
    index.forEach(
        (chunkId, loc) -> {
          if (Locations.isStored(loc)) {
            highest[0] = Math.max(highest[0], Locations.packId(loc));
          }
        });
    for (int id : covered.keySet()) {
      highest[0] = Math.max(highest[0], id);
    }
    packs.reserveIdsThrough(highest[0]);
    Map<String, Root> roots = new HashMap<>();
    RootLog log;
    try {
      log = RootLog.open(dir, roots, cp != null ? cp.roots() : RootLog.Expected.NONE);
    } catch (IOException | RuntimeException e) {
      packs.close();
      throw e;
    }
    List<Integer> damagedChunks = unindexed.indexUsed(index, roots.values());
    tornTails.report(roots.values(), notes, index);
    dropDeadChunksOfMissingPacks(index, onDisk, inBucket, roots);
    notes.addAll(log.repairs());
    java.util.Set<Integer> indexed = new java.util.HashSet<>(covered.keySet());
    indexed.addAll(onDisk);
    return new Recovered(
        config,
        index,
        packs,
        log,
        roots,
        totals[0],
        totals[1],
        scanned,
        List.copyOf(notes),
        indexed,
        damagedChunks);
  }

  /**
   * Forgets the chunks the checkpoint places in packs that no longer exist and that no root
   * references: a gc on a full disk unlinks packs holding nothing live without writing a checkpoint
   * first. Chunks a root does reference stay, for fsck to name as lost.
   */
  private static void dropDeadChunksOfMissingPacks(
      ChunkIndex index,
      List<Integer> onDisk,
      java.util.function.IntPredicate inBucket,
      Map<String, Root> roots) {
    java.util.Set<Integer> present = new java.util.HashSet<>(onDisk);
    org.roaringbitmap.RoaringBitmap gone = new org.roaringbitmap.RoaringBitmap();
    index.forEach(
        (id, loc) -> {
          int pack = Locations.packId(loc);
          if (Locations.isStored(loc) && !present.contains(pack) && !inBucket.test(pack)) {
            gone.add(id);
          }
        });
    if (gone.isEmpty()) {
      return;
    }
    for (Root r : roots.values()) {
      gone.andNot(r.chunks());
    }
    for (int id : gone) {
      index.remove(id);
    }
  }
}

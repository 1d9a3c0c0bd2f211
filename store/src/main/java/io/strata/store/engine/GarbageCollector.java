package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.HolePunch;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.RecordHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * Garbage collection of a {@link ChunkStore}: mark, then give space back in the order that works on
 * a full disk.
 *
 * <ol>
 *   <li><b>Mark.</b> Under the exclusive side of the store's reference lock, every chunk that no
 *       root and no open write session holds is dead and leaves the index. A writer that meets the
 *       same bytes later stores a fresh copy under a new id (see {@link ChunkIndex#insert} for why
 *       recovery keeps both).
 *   <li><b>Delete.</b> Packs that hold nothing live are retired: an index checkpoint that no longer
 *       lists them is written, then they are unlinked. This copies nothing, so it works on a full
 *       disk; the checkpoint's room comes from the store's space reserve if need be.
 *   <li><b>Rewrite.</b> Packs whose dead share passes {@value #REWRITE_DEAD_SHARE} have their live
 *       records copied to the open pack, which is made durable; a checkpoint naming the new places
 *       is written, then the old packs are unlinked. The most dead go first, in batches; on a full
 *       disk one at a time, so each frees room for the next. If a batch's copies cannot be written
 *       every moved chunk goes back to its old place and its packs stay: GC has still reclaimed
 *       what came before.
 * </ol>
 *
 * A crash at any point leaves a checkpoint that names only packs that exist; chunks it names that
 * GC had judged dead come back, to be collected again.
 */
final class GarbageCollector {
  private static final System.Logger LOG = System.getLogger(GarbageCollector.class.getName());

  /** A pack whose dead share reaches this is rewritten. */
  static final double REWRITE_DEAD_SHARE = 0.10;

  private final ChunkStore store;
  private final ChunkIndex index;
  private final PackSet packs;
  // whether an index checkpoint was written since the mark: it lacks every dead chunk already
  private boolean checkpointed;

  GarbageCollector(ChunkStore store, ChunkIndex index, PackSet packs) {
    this.store = store;
    this.index = index;
    this.packs = packs;
  }

  /** One collection; the caller holds the store's GC lock. */
  GcResult run() throws IOException {
    int sealedUpTo = sealOpenPack();
    ChunkStore.DeadChunks marked = store.markDead(sealedUpTo);
    RoaringBitmap dead = marked.ids();
    Map<Integer, Long> liveBytes = liveBytesPerPack();
    List<Integer> empty = new ArrayList<>();
    List<Sparse> sparse = new ArrayList<>();
    List<Integer> lightlyDead = new ArrayList<>();
    long reclaimed = 0;
    for (int packId : packs.ids()) {
      if (packId > sealedUpTo) {
        continue;
      }
      long size = sizeOf(packId);
      long live = liveBytes.getOrDefault(packId, 0L);
      long waste = size - PackFormat.HEADER_SIZE - PackFormat.TRAILER_SIZE - live;
      if (size < 0 || (waste <= 0 && !marked.packIds().contains(packId))) {
        continue;
      }
      long newlyDead = forgetDead(packId, dead);
      if (live == 0) {
        empty.add(packId);
        // holes punched by an earlier gc were counted then: the disk gets back the rest
        reclaimed += size - HolePunch.holeBytes(packs.path(packId));
      } else if (waste >= REWRITE_DEAD_SHARE * size) {
        sparse.add(new Sparse(packId, (double) waste / size));
      } else if (newlyDead >= BLOCK) {
        lightlyDead.add(packId);
      }
    }
    if (!empty.isEmpty()) {
      retire(empty);
    }
    reclaimed += rewrite(sparse);
    // Below the rewrite's share, what died now still gives its blocks back, in place: removing a
    // blob from a big pack freed nothing until the pack was a tenth dead (docs/ADVERSARIAL.md,
    // AG3). The pack is rewritten once its dead share, holes included, reaches the threshold.
    reclaimed += punchDead(lightlyDead, false);
    return new GcResult(dead.getLongCardinality(), Math.max(0, reclaimed));
  }

  /**
   * Seals the open pack so that everything up to the returned id is immutable. On a full disk the
   * trailer may not fit: then the open pack stays open, and GC works on the packs before it.
   */
  private int sealOpenPack() throws IOException {
    try {
      return packs.sealCurrent();
    } catch (IOException e) {
      if (!DiskFull.causedBy(e)) {
        throw e;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "gc: the disk is full, the open pack stays open: {0}",
          e.getMessage());
      return packs.openId() - 1;
    }
  }

  private Map<Integer, Long> liveBytesPerPack() {
    Map<Integer, Long> liveBytes = new HashMap<>();
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc)) {
            liveBytes.merge(
                Locations.packId(loc), (long) GroupedLocations.storedBytes(loc), Long::sum);
          }
        });
    return liveBytes;
  }

  private long sizeOf(int packId) throws IOException {
    try {
      return Files.size(packs.path(packId));
    } catch (java.nio.file.NoSuchFileException e) {
      return -1; // lost: fsck names what it held
    }
  }

  /**
   * Takes the dead chunks of pack {@code packId} out of the store's totals; returns the stored
   * bytes of the records of its own that died in this collection.
   */
  private long forgetDead(int packId, RoaringBitmap dead) throws IOException {
    long[] newlyDead = {0};
    PackScanner.scan(
        packs.path(packId),
        PackFormat.HEADER_SIZE,
        (h, offset, buf, off) -> {
          if (h.grouped()) {
            GroupMembers.forEach(
                h,
                packId,
                offset,
                buf,
                off,
                (chunkId, digest, loc, rawLen) -> {
                  if (index.location(chunkId) != loc && dead.contains(chunkId)) {
                    store.forgetBytes(rawLen, GroupedLocations.storedBytes(loc));
                    newlyDead[0] += GroupedLocations.storedBytes(loc);
                  }
                });
            return;
          }
          long loc = Locations.encode(packId, offset, h.storedLen());
          if (index.location(h.chunkId()) != loc && dead.contains(h.chunkId())) {
            store.forgetBytes(h.rawLen(), h.storedLen());
            newlyDead[0] += h.recordLength();
          }
        });
    return newlyDead[0];
  }

  /**
   * Unlinks {@code ids} after a checkpoint that no longer lists them. On a full disk the
   * checkpoint's room comes from the space reserve; failing that, the packs are unlinked without
   * it: they hold nothing live, and recovery drops the entries an older checkpoint has for chunks
   * in missing packs that no root references (see {@link Recovery}).
   */
  private void retire(List<Integer> ids) throws IOException {
    try {
      packs.retire(ids, store::checkpoint);
      checkpointed = true;
    } catch (IOException e) {
      if (!DiskFull.causedBy(e)) {
        throw e;
      }
      long freed = store.reserve().release();
      LOG.log(
          System.Logger.Level.WARNING,
          "gc: the disk is full; released the {0}-byte space reserve to retire {1} packs",
          freed,
          ids.size());
      try {
        packs.retire(ids, store::checkpoint);
      } catch (IOException again) {
        if (!DiskFull.causedBy(again)) {
          throw again;
        }
        packs.retire(ids, () -> {});
      }
    }
  }

  /**
   * Copies what lives of the group record {@code h} at {@code offset} of pack {@code packId}: the
   * record as it is when every member lives, a new group of the live members (decoded and
   * compressed again) when only some do; nothing when none does. Returns the bytes appended.
   * Rewriting a partly dead group is the price of grouping: copying it whole would keep the dead
   * members' bytes, and bring the chunks back to the index at every rebuild from the packs.
   */
  private int copyGroup(
      int packId, RecordHeader h, long offset, byte[] buf, int off, List<Move> moves)
      throws IOException {
    long[] from = new long[GroupTable.MAX_MEMBERS];
    boolean[] alive = new boolean[GroupTable.MAX_MEMBERS];
    int[] live = {0};
    GroupTable t =
        GroupMembers.forEach(
            h,
            packId,
            offset,
            buf,
            off,
            (chunkId, digest, loc, rawLen) -> {
              int i = live[0]++;
              from[i] = loc;
              alive[i] = index.location(chunkId) == loc;
            });
    int n = t.count();
    int liveCount = 0;
    for (int i = 0; i < n; i++) {
      liveCount += alive[i] ? 1 : 0;
    }
    if (liveCount == 0) {
      return 0;
    }
    ChunkGroups.Placement moved =
        (i, to) -> {
          int id = t.ids()[i];
          long was = from[i];
          if (index.moveIfAt(id, was, to)) {
            moves.add(new Move(id, was, to));
            store.copiedByGc(id, was);
          }
        };
    if (liveCount == n) {
      int len = h.recordLength();
      packs.append(
          buf,
          off,
          len,
          (np, no) -> {
            for (int i = 0; i < n; i++) {
              moved.placed(i, GroupedLocations.member(np, no, len, h.rawLen(), t.rawLens()[i], i));
            }
          });
      return len;
    }
    if (decoded == null) {
      decoded = new byte[ChunkerParams.MAX_CHUNK];
    }
    String where = "pack " + PackFormat.fileName(packId) + " offset " + offset;
    ChunkCodec.decode(
        h.codec(),
        h.dictId(),
        store.dictionaries(),
        buf,
        off + PackFormat.RECORD_HEADER + t.frameOff(),
        t.frameLen(),
        decoded,
        0,
        h.rawLen(),
        where);
    OpenGroup survivors = new OpenGroup(null, new byte[h.rawLen()]);
    int[] original = new int[liveCount];
    for (int i = 0; i < n; i++) {
      if (alive[i]) {
        original[survivors.count] = i;
        survivors.add(t.ids()[i], t.digests()[i], decoded, t.starts()[i], t.rawLens()[i]);
      }
    }
    return store
        .writer()
        .groups()
        .write(survivors, (i, to) -> moved.placed(original[i], to), false);
  }

  // Scratch for the partly dead groups a rewrite decodes.
  private byte[] decoded;

  /** A chunk copied to a new place, which goes back to the old one if the rewrite fails. */
  private record Move(int id, long from, long to) {}

  /** A pack to rewrite and its dead share. */
  private record Sparse(int id, double deadShare) {}

  /**
   * Rewrites the packs of {@code sparse}, the most dead first, in batches of up to {@value
   * #BATCH_BYTES} bytes copied, each retired as soon as its copies are durable. When the disk is
   * full the space reserve is released and the batches shrink to one pack, so that each pack
   * retired makes room for the next: the most dead packs need the least room.
   */
  private long rewrite(List<Sparse> sparse) throws IOException {
    List<Sparse> order = new ArrayList<>(sparse);
    order.sort((a, b) -> Double.compare(b.deadShare(), a.deadShare()));
    long freed = 0;
    boolean tight = false;
    int next = 0;
    while (next < order.size()) {
      List<Integer> batch = new ArrayList<>();
      long planned = 0;
      for (int i = next;
          i < order.size() && (batch.isEmpty() || (!tight && planned < BATCH_BYTES));
          i++) {
        batch.add(order.get(i).id());
        planned += Files.size(packs.path(order.get(i).id()));
      }
      try {
        freed += rewriteBatch(batch);
        next += batch.size();
      } catch (IOException e) {
        if (!DiskFull.causedBy(e)) {
          throw e;
        }
        if (tight && store.reserve().size() == 0) {
          List<Integer> left = new ArrayList<>();
          for (Sparse sp : order.subList(next, order.size())) {
            left.add(sp.id());
          }
          long punched = punchDead(left, true);
          LOG.log(
              System.Logger.Level.WARNING,
              "gc: the disk is too full to rewrite {0} more packs; their dead records gave back"
                  + " {1} bytes in place",
              left.size(),
              punched);
          return freed + punched;
        }
        tight = true;
        long released = store.reserve().release();
        LOG.log(
            System.Logger.Level.WARNING,
            "gc: the disk is full; rewriting one pack at a time (released {0} reserved bytes)",
            released);
      }
    }
    return freed;
  }

  /** The disk's block, the unit a punched hole gives back. */
  private static final int BLOCK = 4096;

  /**
   * On a disk too full to copy live records out: gives back the blocks of the dead records of packs
   * {@code ids} in place ({@link HolePunch}), each pack keeping its length and its live records
   * their offsets. A checkpoint without the dead chunks is written first, so that no restart brings
   * a punched chunk back into the index for a writer to share (its bytes are zeros now); if even
   * that does not fit, nothing is punched. A group record goes only when all its members are dead.
   * A later gc with room rewrites these packs as any other (the scanner skips the holes). Returns
   * the bytes the disk got back.
   */
  private long punchDead(List<Integer> ids, boolean loud) throws IOException {
    if (ids.isEmpty()) {
      return 0;
    }
    try {
      if (!checkpointed) {
        store.checkpoint();
        checkpointed = true;
      }
    } catch (IOException e) {
      if (!DiskFull.causedBy(e)) {
        throw e;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "gc: the disk is too full even for an index checkpoint; {0} packs keep their dead"
              + " records",
          ids.size());
      return 0;
    }
    long freed = 0;
    for (int packId : ids) {
      Path p = packs.path(packId);
      List<HolePunch.Range> dead = new ArrayList<>();
      PackScanner.scan(
          p,
          PackFormat.HEADER_SIZE,
          (h, offset, buf, off) -> {
            if (holdsLive(h, packId, offset, buf, off)) {
              return;
            }
            long to = offset + h.recordLength();
            int last = dead.size() - 1;
            if (last >= 0 && dead.get(last).to() == offset) {
              dead.set(last, new HolePunch.Range(dead.get(last).from(), to));
            } else {
              dead.add(new HolePunch.Range(offset, to));
            }
          });
      if (dead.isEmpty()) {
        continue;
      }
      long got = HolePunch.punch(p, dead, BLOCK);
      if (got < 0) {
        LOG.log(
            loud ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
            "gc: the file system of {0} cannot punch holes; dead records stay until it has room to"
                + " rewrite packs",
            p);
        return freed;
      }
      freed += got;
    }
    return freed;
  }

  /**
   * Whether the index places a chunk in record {@code h} at {@code offset} of pack {@code packId}.
   */
  private boolean holdsLive(RecordHeader h, int packId, long offset, byte[] buf, int off)
      throws IOException {
    if (!h.grouped()) {
      return index.location(h.chunkId()) == Locations.encode(packId, offset, h.storedLen());
    }
    boolean[] live = {false};
    GroupMembers.forEach(
        h,
        packId,
        offset,
        buf,
        off,
        (chunkId, digest, loc, rawLen) -> live[0] |= index.location(chunkId) == loc);
    return live[0];
  }

  /** Whether the index still places a chunk in pack {@code packId}. */
  private boolean holdsLiveChunks(int packId) {
    boolean[] found = {false};
    index.forEach(
        (id, loc) -> {
          if (Locations.isStored(loc) && Locations.packId(loc) == packId) {
            found[0] = true;
          }
        });
    return found[0];
  }

  /** Bytes of packs one rewrite batch reads before its copies are made durable and checkpointed. */
  private static final long BATCH_BYTES = 256L << 20;

  /**
   * Copies the live records of {@code ids} to the open pack, makes them durable, writes a
   * checkpoint naming the copies and unlinks the old packs; returns the bytes freed. If it fails
   * before the checkpoint, every moved chunk goes back to where it was and nothing is unlinked.
   */
  private long rewriteBatch(List<Integer> ids) throws IOException {
    List<Move> moves = new ArrayList<>();
    boolean[] checkpointed = {false};
    long freed = 0;
    List<Integer> retired = new ArrayList<>();
    try {
      for (int packId : ids) {
        Path p = packs.path(packId);
        long size = Files.size(p);
        long[] copied = {0};
        PackScanner.Result scan =
            PackScanner.scan(
                p,
                PackFormat.HEADER_SIZE,
                (h, offset, buf, off) -> {
                  if (h.grouped()) {
                    copied[0] += copyGroup(packId, h, offset, buf, off, moves);
                    return;
                  }
                  long loc = Locations.encode(packId, offset, h.storedLen());
                  if (index.location(h.chunkId()) != loc) {
                    return;
                  }
                  int len = h.recordLength();
                  packs.append(
                      buf,
                      off,
                      len,
                      (np, no) -> {
                        long to = Locations.encode(np, no, h.storedLen());
                        if (index.moveIfAt(h.chunkId(), loc, to)) {
                          moves.add(new Move(h.chunkId(), loc, to));
                          store.copiedByGc(h.chunkId(), loc);
                        }
                      });
                  copied[0] += len;
                });
        if ((!scan.damaged().isEmpty() || scan.holeBytes() > 0) && holdsLiveChunks(packId)) {
          // A damaged record a root still uses cannot be copied: its only copy stays where it is,
          // for fsck to name and a put of the same bytes to replace (docs/ADVERSARIAL.md, P3). A
          // hole over a live record (zeros where gc punched none) is damage too.
          LOG.log(
              System.Logger.Level.WARNING,
              "gc: pack {0} holds damaged records still in use (offsets {1}); kept, its intact"
                  + " records copied",
              PackFormat.fileName(packId),
              scan.damaged());
          continue;
        }
        retired.add(packId);
        freed += size - HolePunch.holeBytes(p) - copied[0];
      }
      packs.sync();
      packs.retire(
          retired,
          () -> {
            store.checkpoint();
            checkpointed[0] = true;
            this.checkpointed = true;
          });
      store.copiesSettled();
      return freed;
    } catch (IOException | RuntimeException e) {
      if (!checkpointed[0]) {
        // Nothing was unlinked: the chunks are still whole where they were.
        for (Move m : moves) {
          index.moveIfAt(m.id(), m.to(), m.from());
        }
        if (DiskFull.causedBy(e)) {
          // Copies that found no room would sit in the open pack's buffer and fail every later
          // sync: give up on what it holds beyond its last fsync (nothing acknowledged).
          packs.abandonOpen();
        }
      }
      store.copiesSettled();
      throw e;
    }
  }
}

package io.strata.store.fleet;

import io.strata.store.engine.ChunkAlias;
import io.strata.store.engine.ChunkStore;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * Picks the bucket's packs that are mostly dead once a gc's aliases are applied (a pack is deleted
 * only when nothing is read from it, so a few needed records keep a whole pack): their needed
 * records are copied to a new pack, the chunks there are aliased to the copies, and the old pack
 * goes like any other. Without it, the duplicates of two simultaneous imports stay wherever a pack
 * mixes them with chunks only it holds.
 */
final class RepackPlan {
  /** A pack at least this dead is repacked. */
  static final double DEAD_SHARE = 0.25;

  /** Record bytes one gc copies at most; the next gc goes on. */
  static final long MAX_COPY_BYTES = 512L << 20;

  /**
   * One record to copy, with every chunk the index will place there.
   *
   * @param from where it lies
   * @param ids the chunks read from it
   */
  record Move(long from, int[] ids) {}

  private RepackPlan() {}

  /**
   * The records to copy out of the packs in {@code lengths} (the bucket's, with segments), given
   * the aliases this gc publishes and the chunks some node or the catalogue needs.
   */
  static List<Move> plan(
      ChunkStore chunks, Map<Integer, Long> lengths, List<ChunkAlias> aliases, RoaringBitmap live) {
    Map<Integer, Long> movedTo = new HashMap<>();
    for (ChunkAlias a : aliases) {
      movedTo.put(a.chunkId(), a.to());
    }
    RoaringBitmap ids = chunks.chunksIn(lengths.keySet());
    for (ChunkAlias a : aliases) {
      ids.add(a.chunkId());
    }
    // First the bytes each pack must keep (the distinct records something needed is read from),
    // in 8 bytes a needed chunk; the places themselves only for the packs worth repacking.
    long[] neededLocs = new long[Math.max(16, live.getCardinality())];
    int n = 0;
    for (int id : RoaringBitmap.and(ids, live)) {
      long loc = movedTo.getOrDefault(id, chunks.location(id));
      if (Locations.isStored(loc) && lengths.containsKey(Locations.packId(loc))) {
        if (n == neededLocs.length) {
          neededLocs = java.util.Arrays.copyOf(neededLocs, n * 2);
        }
        neededLocs[n++] = loc;
      }
    }
    long[] sorted = java.util.Arrays.copyOf(neededLocs, n);
    java.util.Arrays.sort(sorted); // equal locations end up together; the order does not matter
    Map<Integer, Long> keep = new HashMap<>();
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        keep.merge(
            Locations.packId(sorted[i]),
            (long) PackFormat.recordLength(Locations.storedLen(sorted[i])),
            Long::sum);
      }
    }
    List<Integer> chosen = new ArrayList<>();
    long budget = MAX_COPY_BYTES;
    for (var e : new TreeMap<>(keep).entrySet()) {
      long size = lengths.get(e.getKey());
      if (size - e.getValue() >= DEAD_SHARE * size && e.getValue() <= budget) {
        chosen.add(e.getKey());
        budget -= e.getValue();
      }
    }
    if (chosen.isEmpty()) {
      return List.of();
    }
    java.util.Set<Integer> candidates = new java.util.HashSet<>(chosen);
    Map<Long, List<Integer>> places = new TreeMap<>(Long::compareUnsigned);
    Map<Long, Boolean> needed = new HashMap<>();
    for (int id : ids) {
      long loc = movedTo.getOrDefault(id, chunks.location(id));
      if (Locations.isStored(loc) && candidates.contains(Locations.packId(loc))) {
        places.computeIfAbsent(loc, l -> new ArrayList<>()).add(id);
        if (live.contains(id)) {
          needed.put(loc, true);
        }
      }
    }
    List<Move> out = new ArrayList<>();
    for (var place : places.entrySet()) {
      if (needed.containsKey(place.getKey())) {
        out.add(
            new Move(
                place.getKey(), place.getValue().stream().mapToInt(Integer::intValue).toArray()));
      }
    }
    return out;
  }
}

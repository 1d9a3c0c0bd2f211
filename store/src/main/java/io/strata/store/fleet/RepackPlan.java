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
    // Every place something needed is read from, per pack, with the chunks placed there.
    Map<Integer, Map<Long, List<Integer>>> places = new TreeMap<>();
    Map<Integer, Boolean> needed = new HashMap<>();
    for (int id : ids) {
      long loc = movedTo.getOrDefault(id, chunks.location(id));
      if (!Locations.isStored(loc) || !lengths.containsKey(Locations.packId(loc))) {
        continue;
      }
      places
          .computeIfAbsent(Locations.packId(loc), p -> new TreeMap<>(Long::compareUnsigned))
          .computeIfAbsent(loc, l -> new ArrayList<>())
          .add(id);
      if (live.contains(id)) {
        needed.put(Locations.packId(loc), true);
      }
    }
    List<Move> out = new ArrayList<>();
    long budget = MAX_COPY_BYTES;
    for (var pack : places.entrySet()) {
      if (!needed.containsKey(pack.getKey())) {
        continue; // nothing needed: the pack goes without copying
      }
      long keep = 0;
      List<Move> moves = new ArrayList<>();
      for (var place : pack.getValue().entrySet()) {
        boolean any = false;
        for (int id : place.getValue()) {
          any |= live.contains(id);
        }
        if (any) {
          keep += PackFormat.recordLength(Locations.storedLen(place.getKey()));
          moves.add(
              new Move(
                  place.getKey(), place.getValue().stream().mapToInt(Integer::intValue).toArray()));
        }
      }
      long size = lengths.get(pack.getKey());
      if (size - keep >= DEAD_SHARE * size && keep <= budget) {
        out.addAll(moves);
        budget -= keep;
      }
    }
    return out;
  }
}

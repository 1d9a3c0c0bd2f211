package io.strata.store.fleet;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAlias;
import io.strata.store.engine.ChunkStore;
import io.strata.store.index.Locations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * Picks, for every chunk the bucket holds in more than one pack, the copy all the others are to be
 * read at: what lets a fleet's gc delete the duplicates that simultaneous imports on two nodes left
 * (neither node saw the other's pack in time).
 *
 * <p>The choice aims at emptying whole packs, since a pack goes only when nothing is read from it:
 * a pack that holds a needed chunk found nowhere else stays anyway, so the copies it holds become
 * the canonical ones; the chunks only duplicated between packs that could all go are given to the
 * pack holding most of them, greedily. Ties go to the lowest pack id. Any choice is safe: a root
 * naming a duplicate keeps the canonical copy's pack, where the duplicate is now placed.
 *
 * <p>A canonical copy is read and re-hashed before anything is pointed at it: a damaged record must
 * never take the place of a good one.
 */
final class AliasPlan {
  private static final System.Logger LOG = System.getLogger(AliasPlan.class.getName());

  /** One digest held at several places. */
  private record Group(Digest digest, int[] ids, long[] locs) {}

  private AliasPlan() {}

  /**
   * The aliases for the chunks in {@code packs} (the bucket's, with segments), given the chunks
   * some node or the catalogue needs ({@code live}: a pack holding a single copy of one stays).
   */
  static List<ChunkAlias> plan(ChunkStore chunks, Set<Integer> packs, RoaringBitmap live)
      throws IOException {
    RoaringBitmap ids = chunks.chunksIn(packs);
    List<Group> groups = new ArrayList<>();
    RoaringBitmap inGroups = new RoaringBitmap();
    for (int id : ids) {
      if (inGroups.contains(id)) {
        continue;
      }
      Digest d = chunks.digest(id);
      if (d == null) {
        continue;
      }
      int[] all = chunks.idsOf(d);
      if (all.length < 2) {
        continue;
      }
      List<Integer> gIds = new ArrayList<>();
      List<Long> gLocs = new ArrayList<>();
      Set<Long> places = new HashSet<>();
      for (int other : all) {
        long loc = chunks.location(other);
        if (ids.contains(other) && Locations.isStored(loc)) {
          gIds.add(other);
          gLocs.add(loc);
          places.add(loc);
          inGroups.add(other);
        }
      }
      boolean needed = false;
      for (int other : gIds) {
        needed |= live.contains(other);
      }
      // Copies nothing needs go with the condemned chunks anyway.
      if (places.size() > 1 && needed) {
        groups.add(
            new Group(
                d,
                gIds.stream().mapToInt(Integer::intValue).toArray(),
                gLocs.stream().mapToLong(Long::longValue).toArray()));
      }
    }
    if (groups.isEmpty()) {
      return List.of();
    }
    Set<Integer> keep = packsThatStay(chunks, ids, inGroups, live);
    Map<Group, Long> canonical = chooseCanonical(groups, keep);
    List<ChunkAlias> out = new ArrayList<>();
    byte[] buf = new byte[ChunkerParams.MAX_CHUNK];
    for (Group g : groups) {
      long to = canonical.get(g);
      if (!intact(chunks, g, to, buf)) {
        continue;
      }
      for (int i = 0; i < g.ids().length; i++) {
        if (g.locs()[i] != to) {
          out.add(new ChunkAlias(g.ids()[i], g.locs()[i], to, g.digest()));
        }
      }
    }
    return out;
  }

  /** Packs that hold a needed chunk no other pack holds. */
  private static Set<Integer> packsThatStay(
      ChunkStore chunks, RoaringBitmap ids, RoaringBitmap inGroups, RoaringBitmap live) {
    Set<Integer> keep = new HashSet<>();
    for (int id : RoaringBitmap.andNot(RoaringBitmap.and(ids, live), inGroups)) {
      keep.add(Locations.packId(chunks.location(id)));
    }
    return keep;
  }

  private static Map<Group, Long> chooseCanonical(List<Group> groups, Set<Integer> keep) {
    Map<Group, Long> out = new HashMap<>();
    List<Group> open = new ArrayList<>();
    for (Group g : groups) {
      long best = lowest(g, keep);
      if (best != Locations.NONE) {
        out.put(g, best);
      } else {
        open.add(g);
      }
    }
    while (!open.isEmpty()) {
      // The pack holding most of the undecided chunks stays; ties: the lowest id.
      Map<Integer, Integer> counts = new TreeMap<>();
      for (Group g : open) {
        Set<Integer> seen = new HashSet<>();
        for (long loc : g.locs()) {
          int p = Locations.packId(loc);
          if (seen.add(p)) {
            counts.merge(p, 1, Integer::sum);
          }
        }
      }
      int pick = -1;
      int most = 0;
      for (var e : counts.entrySet()) {
        if (e.getValue() > most) {
          pick = e.getKey();
          most = e.getValue();
        }
      }
      keep.add(pick);
      List<Group> still = new ArrayList<>();
      for (Group g : open) {
        long best = lowest(g, keep);
        if (best != Locations.NONE) {
          out.put(g, best);
        } else {
          still.add(g);
        }
      }
      open = still;
    }
    return out;
  }

  /** The group's location in the lowest pack of {@code keep} (then lowest offset), or NONE. */
  private static long lowest(Group g, Set<Integer> keep) {
    long best = Locations.NONE;
    for (long loc : g.locs()) {
      if (keep.contains(Locations.packId(loc))
          && (best == Locations.NONE || Long.compareUnsigned(loc, best) < 0)) {
        best = loc;
      }
    }
    return best;
  }

  /** Whether the canonical record reads back as the group's bytes. */
  private static boolean intact(ChunkStore chunks, Group g, long to, byte[] buf) {
    int holder = -1;
    for (int i = 0; i < g.ids().length; i++) {
      if (g.locs()[i] == to) {
        holder = g.ids()[i];
        break;
      }
    }
    try {
      int n = chunks.read(holder, buf);
      if (Digest.sha256(buf, 0, n).equals(g.digest())) {
        return true;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "fleet gc: chunk {0} does not match its digest; its duplicates keep their own copies",
          g.digest());
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fleet gc: chunk {0} did not read ({1}); its duplicates keep their own copies",
          g.digest(),
          e.getMessage());
    }
    return false;
  }
}

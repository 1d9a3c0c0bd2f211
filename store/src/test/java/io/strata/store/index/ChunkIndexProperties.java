package io.strata.store.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The index against a plain model: a map from id to digest and location. */
class ChunkIndexProperties {
  private static Digest digest(SplittableRandom r) {
    return Digest.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
  }

  /**
   * Random reserves, inserts, placements, moves, removals and lookups agree with the model at every
   * step, no two ids holding one digest.
   */
  @Test
  void behavesLikeAMap() {
    Property.forAll(
        40,
        Gen.longs(0, 1 << 30),
        Gen.ints(1, 20_000),
        Gen.ints(1, 5_000),
        (seed, ops, keys) -> new Run(seed, keys, false).steps(ops));
  }

  /**
   * As above, and an insert may record an id whose digest another id holds (a copy gc left beside
   * its original, recovered after a crash): lookup answers one of the ids holding the digest,
   * everything else stays exact.
   */
  @Test
  void twoIdsMayHoldOneDigest() {
    Property.forAll(
        40,
        Gen.longs(0, 1 << 30),
        Gen.ints(1, 20_000),
        Gen.ints(1, 5_000),
        (seed, ops, keys) -> new Run(seed, keys, true).steps(ops));
  }

  /** One random sequence of operations on an index and on the model. */
  private static final class Run {
    private final SplittableRandom r;
    private final boolean duplicates;
    private final Digest[] universe;
    private final int firstId;
    private final ChunkIndex index;
    // The model: each live id's digest and location, and the next id to hand out.
    private final TreeMap<Integer, Digest> digests = new TreeMap<>();
    private final Map<Integer, Long> locations = new HashMap<>();
    private final Map<Digest, Set<Integer>> holders = new HashMap<>();
    private int nextId;

    Run(long seed, int keys, boolean duplicates) {
      this.r = new SplittableRandom(seed);
      this.duplicates = duplicates;
      this.universe = new Digest[keys];
      // Half the digests share a few first words, so that they share home slots in the table.
      long[] homes = {r.nextLong(), r.nextLong(), r.nextLong()};
      for (int i = 0; i < keys; i++) {
        universe[i] =
            r.nextBoolean()
                ? digest(r)
                : Digest.ofWords(homes[r.nextInt(3)], r.nextLong(), r.nextLong(), r.nextLong());
      }
      this.firstId = r.nextInt(4) == 0 ? r.nextInt(1 << 16) : 0;
      this.index = new ChunkIndex(firstId);
      this.nextId = firstId;
    }

    void steps(int ops) {
      for (int op = 0; op < ops; op++) {
        int kind = r.nextInt(20);
        if (kind < 6) {
          reserve(universe[r.nextInt(universe.length)]);
        } else if (kind < 9) {
          insert();
        } else if (kind < 11) {
          remove(someId());
        } else if (kind < 13) {
          place();
        } else if (kind < 14) {
          move();
        } else {
          check(universe[r.nextInt(universe.length)], someId());
        }
        assertThat(index.size()).as("size").isEqualTo(digests.size());
        assertThat(index.nextId()).as("next id").isEqualTo(nextId);
      }
      for (Digest d : universe) {
        check(d, firstId);
      }
      for (int id = Math.max(0, firstId - 2); id < nextId + 2; id++) {
        checkId(id);
      }
      List<String> visited = new ArrayList<>();
      index.forEach((id, loc) -> visited.add(id + "@" + loc));
      List<String> expected = new ArrayList<>();
      digests.keySet().forEach(id -> expected.add(id + "@" + locations.get(id)));
      assertThat(visited).isEqualTo(expected);
    }

    private void reserve(Digest d) {
      Set<Integer> holders = holders(d);
      int got = index.lookupOrReserve(d);
      if (holders.isEmpty()) {
        assertThat(got).as("reserving a new digest").isEqualTo(-nextId - 1);
        add(nextId, d, Locations.PENDING);
      } else {
        assertThat(holders).as("the id of a held digest").contains(got);
      }
    }

    /** A chunk found in a pack: a new id past the end or in a gap, or an id already live. */
    private void insert() {
      int id =
          switch (r.nextInt(3)) {
            case 0 -> nextId + r.nextInt(3);
            case 1 -> Math.max(0, firstId - 1 - r.nextInt(3)); // below the first id
            default -> someId();
          };
      Digest d = universe[r.nextInt(universe.length)];
      long loc = location();
      boolean idTaken = digests.containsKey(id);
      boolean digestTaken = !holders(d).isEmpty();
      if (digestTaken && !duplicates && !idTaken) {
        d = freshDigest();
        digestTaken = false;
      }
      boolean added = index.insert(id, d, loc);
      if (idTaken || (digestTaken && !duplicates)) {
        assertThat(added).as("insert of a taken id %d", id).isFalse();
        return;
      }
      assertThat(added).as("insert of id %d", id).isTrue();
      add(id, d, loc);
    }

    private void add(int id, Digest d, long loc) {
      digests.put(id, d);
      locations.put(id, loc);
      holders.computeIfAbsent(d, k -> new TreeSet<>()).add(id);
      nextId = Math.max(nextId, id + 1);
    }

    private Digest freshDigest() {
      Digest d = digest(r);
      assertThat(holders(d)).isEmpty();
      return d;
    }

    private void remove(int id) {
      index.remove(id);
      Digest d = digests.remove(id);
      locations.remove(id);
      if (d != null) {
        holders.get(d).remove(id);
      }
    }

    private void place() {
      if (digests.isEmpty()) {
        return;
      }
      int id = liveId();
      long loc = location();
      index.setLocation(id, loc);
      locations.put(id, loc);
    }

    private void move() {
      if (digests.isEmpty()) {
        return;
      }
      int id = liveId();
      long expect = r.nextBoolean() ? locations.get(id) : location();
      long loc = location();
      boolean moved = index.moveIfAt(id, expect, loc);
      assertThat(moved).isEqualTo(expect == locations.get(id));
      if (moved) {
        locations.put(id, loc);
      }
    }

    private void check(Digest d, int id) {
      Set<Integer> holders = holders(d);
      int got = index.lookup(d);
      if (holders.isEmpty()) {
        assertThat(got).as("lookup of %s", d).isEqualTo(-1);
      } else {
        assertThat(holders).as("lookup of %s", d).contains(got);
      }
      checkId(id);
    }

    private void checkId(int id) {
      assertThat(index.digest(id)).as("digest of %d", id).isEqualTo(digests.get(id));
      assertThat(index.location(id))
          .as("location of %d", id)
          .isEqualTo(locations.getOrDefault(id, Locations.NONE));
    }

    private Set<Integer> holders(Digest d) {
      return holders.getOrDefault(d, Set.of());
    }

    /** A live id, or now and then one removed or never handed out. */
    private int someId() {
      if (digests.isEmpty() || r.nextInt(5) == 0) {
        return Math.max(0, firstId + r.nextInt(Math.max(1, nextId - firstId + 2)) - 1);
      }
      return liveId();
    }

    private int liveId() {
      Integer id = digests.ceilingKey(firstId + r.nextInt(Math.max(1, nextId - firstId)));
      return id != null ? id : digests.firstKey();
    }

    private long location() {
      return Locations.encode(
          1 + r.nextInt(Locations.MAX_PACK_ID), 8L * r.nextInt(1 << 23), r.nextInt(1 << 21));
    }
  }

  @Test
  void locationsRoundTripAtTheirLimits() {
    for (long[] c :
        List.of(
            new long[] {1, 32, 0},
            new long[] {Locations.MAX_PACK_ID, (64L << 20) - 8, (1 << 21) - 1},
            new long[] {77, 123_456 * 8L, 65_536})) {
      long loc = Locations.encode((int) c[0], c[1], (int) c[2]);
      assertThat(Locations.packId(loc)).isEqualTo((int) c[0]);
      assertThat(Locations.offset(loc)).isEqualTo(c[1]);
      assertThat(Locations.storedLen(loc)).isEqualTo((int) c[2]);
      assertThat(Locations.isStored(loc)).isTrue();
    }
  }

  /** The index's RAM budget: at most 48 bytes per chunk at a million chunks. */
  @Test
  void aMillionChunksFitInFortyEightBytesEach() {
    SplittableRandom r = new SplittableRandom(1);
    ChunkIndex index = new ChunkIndex(0);
    int n = 1_000_000;
    for (int i = 0; i < n; i++) {
      int id = -index.lookupOrReserve(digest(r)) - 1;
      index.setLocation(id, Locations.encode(1 + id / 1000, 8L * (id % 1000), 4096));
    }
    assertThat(index.size()).isEqualTo(n);
    double perChunk = index.ramBytes() / (double) n;
    assertThat(perChunk).isLessThanOrEqualTo(48.0);
  }
}

package io.strata.store.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ChunkIndexProperties {
  private static Digest digest(SplittableRandom r) {
    return Digest.ofWords(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
  }

  /** Random reserves, placements and removals agree with a plain map at every step. */
  @Property(tries = 40)
  void behavesLikeAMap(
      @ForAll @LongRange(min = 0, max = 1 << 30) long seed,
      @ForAll @IntRange(min = 1, max = 20_000) int ops,
      @ForAll @IntRange(min = 1, max = 5_000) int keys) {
    SplittableRandom r = new SplittableRandom(seed);
    Digest[] universe = new Digest[keys];
    for (int i = 0; i < keys; i++) {
      universe[i] = digest(r);
    }
    ChunkIndex index = new ChunkIndex(0);
    Map<Digest, Integer> model = new HashMap<>();
    int nextId = 0;
    for (int op = 0; op < ops; op++) {
      Digest d = universe[r.nextInt(keys)];
      if (r.nextInt(4) == 0 && model.containsKey(d)) {
        index.remove(model.remove(d));
      } else {
        int got = index.lookupOrReserve(d);
        if (model.containsKey(d)) {
          assertThat(got).isEqualTo(model.get(d));
        } else {
          assertThat(got).isEqualTo(-nextId - 1);
          model.put(d, nextId);
          index.setLocation(nextId, Locations.encode(1, 8L * nextId, 100));
          nextId++;
        }
      }
    }
    assertThat(index.size()).isEqualTo(model.size());
    for (Digest d : universe) {
      Integer id = model.get(d);
      assertThat(index.lookup(d)).isEqualTo(id == null ? -1 : id);
      if (id != null) {
        assertThat(index.digest(id)).isEqualTo(d);
        assertThat(Locations.offset(index.location(id))).isEqualTo(8L * id);
      }
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

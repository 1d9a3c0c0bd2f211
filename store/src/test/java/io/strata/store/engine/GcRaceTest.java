package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GC in a tight loop while four writers put objects built from a shared pool of segments (so they
 * deduplicate against each other's chunks) and remove some of their own: no chunk that a kept
 * object references may ever be removed.
 */
class GcRaceTest {
  @TempDir Path data;

  private static final int SEGMENTS = 24;
  private static final int SEGMENT = 256 << 10;

  /** Object {@code seed}: 4 to 12 segments of the shared pool, in a seed-chosen order. */
  static byte[] object(byte[][] pool, long seed) {
    Random r = new Random(seed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 4 + r.nextInt(9);
    for (int i = 0; i < n; i++) {
      out.writeBytes(pool[r.nextInt(pool.length)]);
    }
    return out.toByteArray();
  }

  @Test
  void gcNeverRemovesAReferencedChunk() throws Exception {
    byte[][] pool = new byte[SEGMENTS][];
    for (int i = 0; i < SEGMENTS; i++) {
      pool[i] = i % 2 == 0 ? TestData.text(i, SEGMENT) : TestData.random(i, SEGMENT);
    }
    Map<Digest, Long> kept = new ConcurrentHashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger gcRuns = new AtomicInteger();
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      ExecutorService pool4 = Executors.newFixedThreadPool(5);
      Future<?> gc =
          pool4.submit(
              () -> {
                while (writing.get()) {
                  e.gc();
                  gcRuns.incrementAndGet();
                }
                return null;
              });
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        long base = 1000L * w;
        writers.add(
            pool4.submit(
                () -> {
                  Digest previous = null;
                  for (long s = base; s < base + 25; s++) {
                    byte[] obj = object(pool, s);
                    Digest d = e.blobs().put(new ByteArrayInputStream(obj)).digest();
                    if (previous != null && s % 3 == 0 && !kept.containsKey(previous)) {
                      e.blobs().remove(previous);
                    } else if (previous != null) {
                      kept.put(previous, s - 1);
                    }
                    previous = d;
                  }
                  kept.put(previous, base + 24);
                  return null;
                }));
      }
      for (Future<?> f : writers) {
        f.get();
      }
      writing.set(false);
      gc.get();
      pool4.shutdown();
      assertThat(gcRuns.get()).as("gc ran while writers wrote").isGreaterThan(3);
      e.gc();
      for (Map.Entry<Digest, Long> k : kept.entrySet()) {
        assertThat(e.blobs().open(k.getKey(), 0, -1).readAllBytes())
            .as("object %d", k.getValue())
            .isEqualTo(object(pool, k.getValue()));
      }
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }
}

package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * fsck while puts run (as after a crash, when the restarted server resumes its jobs): what the
 * writers add while the check reads is new, not damage, and a sound store is reported sound.
 */
@Timeout(120)
class FsckRaceTest {
  @TempDir Path data;

  @Test
  void aCheckDuringWritesNamesNoDamage() throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      e.blobs().put(new ByteArrayInputStream(TestData.random(0, 4 << 20)));
      ExecutorService threads = Executors.newFixedThreadPool(2);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int base = 1 + 10_000 * w;
        writers.add(
            threads.submit(
                () -> {
                  // small chunks (many records, grouped ones too) and large ones, all new
                  for (int s = base; writing.get(); s++) {
                    byte[] b =
                        s % 2 == 0 ? TestData.text(s, 300 << 10) : TestData.random(s, 700 << 10);
                    e.blobs().put(new ByteArrayInputStream(b));
                  }
                  return null;
                }));
      }
      List<String> damage = new ArrayList<>();
      try {
        // 40 checks, or as many as 45 s allow (at least 5): each reads the whole store, which
        // the writers grow, so a loaded machine took past the deadline for the same coverage.
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(45);
        for (int i = 0; i < 40 && (i < 5 || System.nanoTime() < until); i++) {
          String run = "run " + i + ": ";
          e.chunks().fsck().damaged().forEach(d -> damage.add(run + d));
        }
      } finally {
        writing.set(false);
        for (Future<?> f : writers) {
          f.get();
        }
        threads.shutdown();
      }
      assertThat(damage).isEmpty();
      assertThat(e.chunks().fsck().damaged()).isEmpty();
    }
  }
}

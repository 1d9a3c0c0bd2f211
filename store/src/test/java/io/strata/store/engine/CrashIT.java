package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.blob.BlobEntry;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real child JVM that is putting objects with SIGKILL at random moments, 20 times on the
 * same data root. After each kill: every acknowledged object reads back exactly, fsck is clean, and
 * no object that was never started is visible.
 */
class CrashIT {
  @TempDir Path work;

  /** The content of object {@code seed}: text or random, 1 byte to 3 MiB. */
  static byte[] content(long seed) {
    Random r = new Random(seed);
    int size = 1 + r.nextInt(r.nextBoolean() ? 64 << 10 : 3 << 20);
    return seed % 3 == 0 ? TestData.random(seed, size) : TestData.text(seed, size);
  }

  @Test
  void killedWritersLoseNothingAcknowledged() throws Exception {
    Path data = work.resolve("data");
    Path journal = work.resolve("started");
    Random random = new Random(42);
    Map<Long, Digest> acked = new HashMap<>();
    Set<Long> started = new HashSet<>();
    long nextSeed = 1;
    for (int round = 0; round < 20; round++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              CrashWriter.class.getName(),
              data.toString(),
              Long.toString(nextSeed),
              journal.toString());
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process child = pb.start();
      long killAfter = 150 + random.nextInt(1200);
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("child started").isEqualTo("OPEN");
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killAfter);
      Thread reader =
          new Thread(
              () -> {
                try {
                  String l;
                  while ((l = out.readLine()) != null) {
                    String[] f = l.split(" ");
                    if (f[0].equals("ACK") && f.length == 3 && f[2].length() == 71) {
                      synchronized (acked) {
                        acked.put(Long.parseLong(f[1]), Digest.parse(f[2]));
                      }
                    }
                  }
                } catch (java.io.IOException e) {
                  // the child died
                }
              });
      reader.start();
      Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Every line the child wrote must be read before checking (a loaded machine is slow).
      reader.join(120_000);
      assertThat(reader.isAlive()).as("the child's output was read to its end").isFalse();
      started.clear();
      for (String s : java.nio.file.Files.readAllLines(journal)) {
        if (!s.isBlank()) {
          started.add(Long.parseLong(s.trim()));
        }
      }
      synchronized (acked) {
        nextSeed = started.stream().mapToLong(Long::longValue).max().orElse(nextSeed - 1) + 1;
        verify(data, acked, started);
      }
    }
    assertThat(acked).as("the children acknowledged objects").hasSizeGreaterThan(20);
  }

  private static void verify(Path data, Map<Long, Digest> acked, Set<Long> started)
      throws Exception {
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      for (Map.Entry<Long, Digest> a : acked.entrySet()) {
        byte[] expected = content(a.getKey());
        assertThat(e.blobs().open(a.getValue(), 0, -1).readAllBytes())
            .as("acknowledged object %d", a.getKey())
            .isEqualTo(expected);
      }
      Set<Digest> possible = new HashSet<>();
      for (long s : started) {
        byte[] c = content(s);
        possible.add(Digest.sha256(c, 0, c.length));
      }
      for (BlobEntry b : e.blobs().list()) {
        assertThat(possible)
            .as(
                "visible object %s of %d bytes was started (started: %s)",
                b.digest(), b.size(), started)
            .contains(b.digest());
      }
      FsckReport report = e.fsck();
      assertThat(report.damaged()).as("fsck after a kill").isEmpty();
    }
  }
}

package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A many-file committed snapshot read through a fresh read-only mount (nothing cached by the
 * kernel) by one {@code tar}, and by two at once over half the directories each, so that the
 * mount's two reader threads get requests together. Every tar must succeed and archive at least
 * every file's bytes and header; the times of both, and how long the mount's threads waited for
 * locks meanwhile, are printed: the figure in docs/MOUNTS.md. Needs /dev/fuse and root.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ParallelMountReadsTest {
  private static final int DIRS = 60;
  private static final int FILES_PER_DIR = 50;
  private static final int ROUNDS = 5;

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @Test
  void oneTarAndTwoTarsReadEveryFileThroughTheMount() throws Exception {
    try (MountedSnapshot m = MountedSnapshot.open(dir)) {
      StorageDriver driver = m.driver();
      driver.prepare("tree", null, Map.of());
      FileSystemView fs = driver.fs("tree");
      fs.deferSync(true);
      long bytes = 0;
      for (int d = 0; d < DIRS; d++) {
        fs.mkdir("/d" + d, 0755);
        for (int i = 0; i < FILES_PER_DIR; i++) {
          byte[] content = text(d * 1_000L + i, 2_000 + (d * 7 + i * 13) % 38 * 1_000);
          fs.writeFile("/d" + d + "/f" + i, new ByteArrayInputStream(content), 0644, 0, 0, 0);
          bytes += content.length;
        }
      }
      fs.deferSync(false);
      driver.commit("walked", "tree");
      assertThat(MX.isThreadContentionMonitoringSupported()).isTrue();
      MX.setThreadContentionMonitoringEnabled(true);
      long[] one = new long[ROUNDS];
      long[] two = new long[ROUNDS];
      AtomicLong oneWaited = new AtomicLong();
      AtomicLong twoWaited = new AtomicLong();
      try {
        for (int r = 0; r < ROUNDS; r++) {
          one[r] = timedTars(m, r, bytes, List.of(dirs(0, 1)), oneWaited);
          two[r] = timedTars(m, r, bytes, List.of(dirs(0, 2), dirs(1, 2)), twoWaited);
        }
      } finally {
        MX.setThreadContentionMonitoringEnabled(false);
      }
      System.out.printf(
          "tar of %d files (%d bytes) through a fresh mount: one tar %s ms, two tars %s ms;"
              + " the mount's threads waited for locks %d and %d ms a round%n",
          DIRS * FILES_PER_DIR,
          bytes,
          millis(one),
          millis(two),
          oneWaited.get() / ROUNDS,
          twoWaited.get() / ROUNDS);
    }
  }

  /** {@code n} bytes of words from a small vocabulary, from {@code seed}: text that compresses. */
  private static byte[] text(long seed, int n) {
    String[] words = {"strata ", "chunk ", "tree ", "mount ", "layer ", "the ", "of ", "a\n"};
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder out = new StringBuilder(n + 8);
    while (out.length() < n) {
      out.append(words[rnd.nextInt(words.length)]);
    }
    return out.substring(0, n).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Directories {@code first, first + step, ...} as tar's arguments. */
  private static String dirs(int first, int step) {
    return IntStream.iterate(first, d -> d < DIRS, d -> d + step)
        .mapToObj(d -> "d" + d)
        .collect(Collectors.joining(" "));
  }

  /**
   * Mounts the committed snapshot read-only at a new directory, runs one tar per entry of {@code
   * parts} at once, checks that together they archived at least {@code bytes} of file content and a
   * header per file, unmounts; the wall time of the tars.
   */
  private static long timedTars(
      MountedSnapshot m, int round, long bytes, List<String> parts, AtomicLong waited)
      throws Exception {
    Path at =
        Files.createDirectories(m.dataRoot.resolveSibling("ro-" + round + "-" + parts.size()));
    FuseMount view = m.mounts.mount(m.driver().fs("walked"), at, true);
    try {
      long waitedBefore = lockWaits(at);
      long t0 = System.nanoTime();
      List<CompletableFuture<String>> tars = new ArrayList<>();
      for (String part : parts) {
        // pipefail: a file tar could not read fails the command, not only pads the archive
        String cmd = "bash -c 'set -o pipefail; tar -C " + at + " -cf - " + part + " | wc -c'";
        tars.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return MountedSnapshot.ok(cmd).trim();
                  } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(cmd + ": " + e, e);
                  }
                }));
      }
      long archived = 0;
      for (CompletableFuture<String> t : tars) {
        archived += Long.parseLong(t.get(120, TimeUnit.SECONDS));
      }
      long took = System.nanoTime() - t0;
      waited.addAndGet(lockWaits(at) - waitedBefore);
      // an archive holds every file's bytes, a 512-byte header each and padding to 512 bytes
      assertThat(archived)
          .as("archived bytes")
          .isGreaterThanOrEqualTo(bytes + 512L * DIRS * FILES_PER_DIR);
      return took;
    } finally {
      view.close();
    }
  }

  /**
   * Milliseconds the threads serving the mount at {@code at} have been blocked on monitors or
   * parked (a lock's wait) so far; waiting for the kernel's next request is neither.
   */
  private static long lockWaits(Path at) {
    String name = "/" + at.getFileName() + " #";
    long sum = 0;
    int threads = 0;
    for (ThreadInfo t : MX.getThreadInfo(MX.getAllThreadIds())) {
      if (t != null
          && t.getThreadName().startsWith("strata-fuse /")
          && t.getThreadName().contains(name)) {
        sum += t.getBlockedTime() + t.getWaitedTime();
        threads++;
      }
    }
    assertThat(threads).as("threads serving " + at).isEqualTo(FuseSession.THREADS);
    return sum;
  }

  private static String millis(long[] nanos) {
    return Arrays.stream(nanos)
        .sorted()
        .mapToObj(n -> String.valueOf(n / 1_000_000))
        .collect(Collectors.joining("/"));
  }
}

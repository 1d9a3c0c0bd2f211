package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tar-like walk of a many-file snapshot (list each directory, stat each file, read it in 128 KiB
 * pieces as FUSE asks) by one thread, split between two threads of the same open file system, and
 * split between two threads that take turns for every call (what the file system's synchronized
 * methods did before its read lock): each reads every byte as written. It prints the times of the
 * three, the figure in docs/MOUNTS.md.
 */
class ParallelReadsTest {
  private static final int DIRS = 60;
  private static final int FILES_PER_DIR = 50;
  private static final int PIECE = 128 << 10;
  private static final int ROUNDS = 7;

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  @TempDir Path dir;

  @Test
  @Timeout(300)
  void twoThreadsReadTheTreeAsOneDoes() throws Exception {
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("tree", null, Map.of());
      FileSystemView fs = f.driver().fs("tree");
      fs.deferSync(true);
      long expected = 0;
      CRC32 crc = new CRC32();
      for (int d = 0; d < DIRS; d++) {
        fs.mkdir("/d" + d, 0755);
        for (int i = 0; i < FILES_PER_DIR; i++) {
          byte[] content = content(d, i);
          fs.writeFile(path(d, i), new ByteArrayInputStream(content), 0644, 0, 0, 0);
          crc.reset();
          crc.update(content);
          expected += crc.getValue();
        }
      }
      fs.deferSync(false);
      f.driver().commit("walked", "tree");
      FileSystemView tree = f.driver().fs("walked");
      assertThat(MX.isThreadContentionMonitoringSupported()).isTrue();
      MX.setThreadContentionMonitoringEnabled(true);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Mode one = new Mode();
        Mode two = new Mode();
        Mode turns = new Mode();
        // The three walks take turns, so that a change in the machine's load meanwhile falls on
        // each alike.
        for (int r = 0; r < ROUNDS; r++) {
          long t0 = System.nanoTime();
          assertThat(walk(tree, 0, 1, null, one.waited)).as("one thread").isEqualTo(expected);
          one.took(r, t0);
          twoWalks(pool, tree, null, expected, two, r);
          twoWalks(pool, tree, new Object(), expected, turns, r);
        }
        System.out.printf(
            "tar-like walk of %d files: one thread %s, two threads %s, two threads taking turns"
                + " (as the synchronized methods made them) %s%n",
            DIRS * FILES_PER_DIR, one, two, turns);
        assertThat(turns.waited.get())
            .as("time the threads taking turns waited for each other")
            .isPositive();
      } finally {
        pool.shutdown();
        MX.setThreadContentionMonitoringEnabled(false);
      }
    }
  }

  /** The wall times of one kind of walk, and the time its threads waited for locks. */
  private static final class Mode {
    final long[] nanos = new long[ROUNDS];
    final AtomicLong waited = new AtomicLong();

    void took(int round, long since) {
      nanos[round] = System.nanoTime() - since;
    }

    @Override
    public String toString() {
      return millis(nanos) + " ms (waiting for locks " + waited.get() / ROUNDS + " ms a round)";
    }
  }

  /**
   * The walk split between two threads; with a {@code turns} monitor every call holds it, as every
   * method of the file system held its monitor before the read lock.
   */
  private static void twoWalks(
      ExecutorService pool, FileSystemView tree, Object turns, long expected, Mode mode, int round)
      throws Exception {
    long t0 = System.nanoTime();
    Future<Long> even = pool.submit(() -> walk(tree, 0, 2, turns, mode.waited));
    Future<Long> odd = pool.submit(() -> walk(tree, 1, 2, turns, mode.waited));
    assertThat(even.get() + odd.get()).as("two threads").isEqualTo(expected);
    mode.took(round, t0);
  }

  /** File {@code i} of directory {@code d}: 2 to 40 KB of text, different for every file. */
  private static byte[] content(int d, int i) {
    return TestData.text(d * 1_000L + i, 2_000 + (d * 7 + i * 13) % 38 * 1_000);
  }

  private static String path(int d, int i) {
    return "/d" + d + "/f" + i;
  }

  /** Walks directories {@code first, first + step, ...}; the sum of the files' CRC-32s. */
  private static long walk(FileSystemView fs, int first, int step, Object turns, AtomicLong waited)
      throws IOException {
    long waitedBefore = lockWaits();
    Calls calls = turns == null ? Calls.DIRECT : new Calls(turns);
    byte[] piece = new byte[PIECE];
    CRC32 crc = new CRC32();
    long sum = 0;
    for (int d = first; d < DIRS; d += step) {
      String dir = "/d" + d;
      List<DirEntry> entries = calls.call(() -> fs.list(dir));
      assertThat(entries).hasSize(FILES_PER_DIR);
      for (DirEntry e : entries) {
        String p = dir + "/" + e.name();
        long size = calls.call(() -> fs.stat(p)).size();
        crc.reset();
        long at = 0;
        for (int n; (n = read(calls, fs, p, at, piece)) > 0; at += n) {
          crc.update(piece, 0, n);
        }
        assertThat(at).as(p).isEqualTo(size);
        sum += crc.getValue();
      }
    }
    waited.addAndGet(lockWaits() - waitedBefore);
    return sum;
  }

  /** Milliseconds this thread has been blocked on monitors and parked (a lock's wait) so far. */
  private static long lockWaits() {
    ThreadInfo t = MX.getThreadInfo(Thread.currentThread().getId());
    return t.getBlockedTime() + t.getWaitedTime();
  }

  private static int read(Calls calls, FileSystemView fs, String p, long at, byte[] piece)
      throws IOException {
    return calls.call(() -> fs.read(p, at, piece, 0, PIECE));
  }

  /** Runs each call of a walk, alone under a shared monitor or not. */
  private static final class Calls {
    static final Calls DIRECT = new Calls(null);
    private final Object turns;

    Calls(Object turns) {
      this.turns = turns;
    }

    interface Call<T> {
      T run() throws IOException;
    }

    <T> T call(Call<T> c) throws IOException {
      if (turns == null) {
        return c.run();
      }
      synchronized (turns) {
        return c.run();
      }
    }
  }

  private static String millis(long[] nanos) {
    List<String> out = new ArrayList<>();
    for (long n : Arrays.stream(nanos).sorted().toArray()) {
      out.add(String.valueOf(n / 1_000_000));
    }
    return String.join("/", out);
  }
}

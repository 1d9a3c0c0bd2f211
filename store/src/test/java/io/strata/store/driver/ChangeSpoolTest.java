package io.strata.store.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The diff's external sort: what a TreeMap of the paths gives, in memory or spilled in runs. */
class ChangeSpoolTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void spilledRunsMergeToTheSameSortedPathsWithFlagsOredAndLeaveNoFile() throws IOException {
    Random r = new Random(5);
    TreeMap<String, Integer> expected = new TreeMap<>();
    // a tiny memory: about 40 runs, more than FAN_IN, so runs are merged into runs first
    try (ChangeSpool spool = new ChangeSpool(dir, 4096)) {
      for (int i = 0; i < 3000; i++) {
        String p = "/d" + r.nextInt(30) + (r.nextBoolean() ? "/" : "-") + "f" + r.nextInt(900);
        int f = 1 << r.nextInt(4);
        expected.merge(p, f, (a, b) -> a | b);
        spool.add(p, f);
      }
      assertThat(spool.runs()).isGreaterThan(ChangeSpool.FAN_IN);
      List<String> got = new ArrayList<>();
      for (Iterator<ChangeSpool.Entry> it = spool.iterator(); it.hasNext(); ) {
        ChangeSpool.Entry e = it.next();
        got.add(e.path() + " " + e.flags());
      }
      List<String> want = new ArrayList<>();
      expected.forEach((p, f) -> want.add(p + " " + f));
      assertThat(got).isEqualTo(want);
    }
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty(); // unlinked as soon as opened
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aSpoolThatFitsSortsInMemory() throws IOException {
    try (ChangeSpool spool = new ChangeSpool(dir, 1 << 20)) {
      spool.add("/b", 1);
      spool.add("/a/x", 2);
      spool.add("/a-y", 4);
      spool.add("/b", 2);
      assertThat(spool.runs()).isZero();
      List<ChangeSpool.Entry> got = new ArrayList<>();
      spool.iterator().forEachRemaining(got::add);
      assertThat(got)
          .containsExactly(
              new ChangeSpool.Entry("/a-y", 4),
              new ChangeSpool.Entry("/a/x", 2),
              new ChangeSpool.Entry("/b", 3));
    }
  }
}

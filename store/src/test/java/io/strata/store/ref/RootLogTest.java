package io.strata.store.ref;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * The root log as a killed process leaves it: both copies copied while appends run (what SIGKILL
 * leaves, since the page cache survives it, torn records included) must replay to every root whose
 * append was forced before the copy began.
 */
@Timeout(120)
class RootLogTest {
  @TempDir Path dir;

  private static Root root(int i, Random r) {
    RoaringBitmap chunks = new RoaringBitmap();
    int n = 1 + r.nextInt(50);
    for (int k = 0; k < n; k++) {
      chunks.add(r.nextInt(1 << 20));
    }
    byte[] payload = new byte[r.nextInt(2000)];
    r.nextBytes(payload);
    return new Root("blob/" + i, payload.length, payload, chunks);
  }

  @Test
  void copiesTakenWhileAppendsRunReplayEveryForcedRoot() throws Exception {
    Path live = dir.resolve("live");
    Files.createDirectories(live);
    AtomicInteger forced = new AtomicInteger();
    List<String> problems = new ArrayList<>();
    try (RootLog log = RootLog.open(live, new HashMap<>(), RootLog.Expected.NONE)) {
      Thread writer =
          new Thread(
              () -> {
                Random r = new Random(1);
                try {
                  for (int i = 1; i <= 3000; i++) {
                    List<RootChange> changes = new ArrayList<>();
                    changes.add(new RootChange.Put(root(i, r)));
                    if (i > 10 && r.nextInt(4) == 0) {
                      changes.add(new RootChange.Remove("blob/gone-" + i));
                    }
                    log.append(changes);
                    log.force();
                    forced.set(i);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      writer.start();
      int copies = 0;
      while (writer.isAlive()) {
        int before = forced.get();
        Path snap = dir.resolve("snap-" + copies++);
        Files.createDirectories(snap);
        // The mirror first or the log first: a kill can come between any two writes.
        if (copies % 2 == 0) {
          Files.copy(live.resolve(RootLog.FILE), snap.resolve(RootLog.FILE));
          Files.copy(live.resolve(RootLog.MIRROR), snap.resolve(RootLog.MIRROR));
        } else {
          Files.copy(live.resolve(RootLog.MIRROR), snap.resolve(RootLog.MIRROR));
          Files.copy(live.resolve(RootLog.FILE), snap.resolve(RootLog.FILE));
        }
        Map<String, Root> replayed = new HashMap<>();
        RootLog.open(snap, replayed, RootLog.Expected.NONE).close();
        for (int i = 1; i <= before; i++) {
          if (!replayed.containsKey("blob/" + i)) {
            problems.add("copy " + copies + ": root " + i + " forced before it is missing");
            break;
          }
        }
      }
      writer.join();
      assertThat(copies).isGreaterThan(5);
    }
    assertThat(problems).isEmpty();
  }
}

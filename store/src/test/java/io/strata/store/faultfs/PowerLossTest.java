package io.strata.store.faultfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.engine.FsckReport;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Power cuts at every kind of moment: a seeded random workload runs on a store, the power goes at a
 * random call, and after the reboot every acknowledged blob must read back byte-exact, nothing
 * removed may come back, the operation in flight may have happened or not but never halfway, and
 * fsck must be clean; again after a gc and after a second cut right behind the recovery.
 *
 * <p>A failure names the seed and the call the power went at: {@code -Dfaultfs.seed=S} reruns the
 * rounds from S (a run without gc beside it repeats the same calls exactly).
 */
class PowerLossTest {
  private static final long BASE_SEED = Long.getLong("faultfs.seed", 20261204L);
  private static final int STEPS = 14;

  /** What one round found; empty problems when the store came through. */
  private record Outcome(long seed, long cut, long calls, String cutAt, List<String> problems) {
    @Override
    public String toString() {
      return "seed "
          + seed
          + ", power cut at call "
          + cut
          + " of "
          + calls
          + " ("
          + cutAt
          + "): "
          + problems.size()
          + " problems, the first: "
          + problems.subList(0, Math.min(2, problems.size()));
    }
  }

  /** A store that exists and is durable, so a round tests the workload, not the creation. */
  private static FaultStore preparedStore(FaultFileSystem fs) throws IOException {
    FaultStore s = new FaultStore(fs);
    s.open();
    s.closeQuietly();
    fs.syncAll();
    s.open();
    fs.resetCounters();
    return s;
  }

  private static Outcome round(CrashModel model, long seed, boolean gcBeside) throws IOException {
    // A clean run counts the calls, so that the cut falls inside the workload.
    FaultFileSystem clean = FaultFileSystem.create(model, seed);
    FaultStore cs = preparedStore(clean);
    BlobLedger cl = new BlobLedger();
    try {
      new RandomWorkload(seed, cs, cl, !gcBeside).run(STEPS);
    } catch (IOException | RuntimeException e) {
      return new Outcome(seed, 0, clean.calls(), "no cut", List.of("clean run fails: " + e));
    }
    long calls = clean.calls();
    cs.closeQuietly();
    long cut = 1 + new Random(seed * 31 + 7).nextInt((int) Math.max(1, calls));

    FaultFileSystem fs = FaultFileSystem.create(model, seed);
    FaultStore s = preparedStore(fs);
    BlobLedger ledger = new BlobLedger();
    List<String> problems = new ArrayList<>();
    fs.cutPowerAt(cut);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> gcFailure = new AtomicReference<>();
    Thread gc = null;
    if (gcBeside) {
      gc =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    s.store().gc();
                  } catch (IOException | RuntimeException e) {
                    if (!fs.powerOff()) {
                      gcFailure.set(e);
                    }
                    return;
                  }
                  Thread.yield();
                }
              },
              "gc-beside");
      gc.start();
    }
    try {
      new RandomWorkload(seed, s, ledger, !gcBeside).run(STEPS);
    } catch (IOException | RuntimeException e) {
      if (!fs.powerOff()) {
        problems.add("operation fails before the power cut: " + e);
      }
    }
    stop.set(true);
    if (gc != null) {
      try {
        gc.join(TimeUnit.SECONDS.toMillis(20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (gc.isAlive()) {
        problems.add("gc beside does not finish");
      }
      if (gcFailure.get() != null) {
        problems.add("gc beside fails before the power cut: " + gcFailure.get());
      }
    }
    List<Op> trace = fs.trace();
    String cutAt = trace.size() >= cut ? trace.get((int) cut - 1).toString() : "after the workload";
    s.crash();
    if (!reopenAndCheck(s, ledger, "after the power cut", problems)) {
      return new Outcome(seed, cut, calls, cutAt, problems);
    }
    try {
      s.store().gc();
      problems.addAll(prefixed("after a gc", ledger.problems(s.store(), s.blobs())));
    } catch (IOException | RuntimeException e) {
      problems.add("gc after recovery fails: " + e);
    }
    // A second cut right behind the recovery: what recovery wrote must be durable too.
    s.crash();
    if (reopenAndCheck(s, ledger, "after a second cut", problems)) {
      Throwable t = s.closeQuietly();
      if (t != null) {
        problems.add("close after recovery fails: " + t);
      }
    }
    return new Outcome(seed, cut, calls, cutAt, problems);
  }

  private static boolean reopenAndCheck(
      FaultStore s, BlobLedger ledger, String when, List<String> problems) {
    try {
      s.open();
    } catch (IOException | RuntimeException e) {
      problems.add("reopen " + when + " fails: " + e);
      return false;
    }
    problems.addAll(prefixed(when, ledger.problems(s.store(), s.blobs())));
    return true;
  }

  private static List<String> prefixed(String when, List<String> problems) {
    return problems.stream().map(p -> when + ": " + p).toList();
  }

  private static void rounds(CrashModel model, int count, boolean gcBeside) throws IOException {
    List<Outcome> failed = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Outcome o = round(model, BASE_SEED + i, gcBeside);
      if (!o.problems().isEmpty()) {
        failed.add(o);
        System.err.println("PowerLossTest " + model + (gcBeside ? " gc beside" : "") + ": " + o);
      }
    }
    assertThat(failed).as("rounds of %d failing under %s", count, model).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(CrashModel.class)
  @Timeout(60)
  void acknowledgedBlobsSurviveAPowerCutAtARandomCall(CrashModel model) throws IOException {
    rounds(model, 30, false);
  }

  @Test
  @Timeout(60)
  void acknowledgedBlobsSurviveAPowerCutWhileGcRunsBeside() throws IOException {
    rounds(CrashModel.JOURNALED, 15, true);
  }

  /** Creating a store is a write too: a cut at any call of it must leave a store that opens. */
  @ParameterizedTest
  @EnumSource(names = {"STRICT", "JOURNALED"})
  @Timeout(30)
  void creatingAStoreSurvivesAPowerCutAtEveryCall(CrashModel model) throws IOException {
    FaultFileSystem clean = FaultFileSystem.create(model, 1);
    FaultStore cs = new FaultStore(clean);
    // The directory exists and is durable: what is at stake is what open itself writes.
    Files.createDirectories(cs.dir());
    clean.syncAll();
    clean.resetCounters();
    cs.open();
    long calls = clean.calls();
    List<Op> trace = clean.trace();
    cs.closeQuietly();
    List<String> failed = new ArrayList<>();
    // Cut at every call of the creation, and once just after it returned.
    for (long cut = 1; cut <= calls + 1; cut++) {
      FaultFileSystem fs = FaultFileSystem.create(model, 1);
      FaultStore s = new FaultStore(fs);
      Files.createDirectories(s.dir());
      fs.syncAll();
      fs.resetCounters();
      fs.cutPowerAt(cut);
      try {
        s.open();
      } catch (IOException | RuntimeException e) {
        // The power went during the creation.
      }
      s.crash();
      String at = cut <= calls ? trace.get((int) cut - 1).toString() : "after open returned";
      try {
        s.open();
        List<String> p = new BlobLedger().problems(s.store(), s.blobs());
        if (!p.isEmpty()) {
          failed.add("cut at " + at + ": " + p);
        }
        s.closeQuietly();
      } catch (IOException | RuntimeException e) {
        failed.add("cut at " + at + ": reopen fails: " + e);
      }
    }
    failed.forEach(f -> System.err.println("PowerLossTest creation " + model + ": " + f));
    assertThat(failed).isEmpty();
  }

  private static BlobLedger putOne(FaultStore s) throws IOException {
    BlobLedger ledger = new BlobLedger();
    byte[] content = TestData.text(5, 200 << 10);
    ledger.begin(Digest.sha256(content, 0, content.length), content);
    s.put(content);
    ledger.putAcknowledged();
    return ledger;
  }

  /**
   * The simplest case: a store that exists and is durable, one put acknowledged, then the power
   * goes. The put created the store's first pack.
   */
  @ParameterizedTest
  @EnumSource(CrashModel.class)
  @Timeout(30)
  void aBlobAcknowledgedInAnExistingStoreSurvivesPowerLoss(CrashModel model) throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(model, 1);
    FaultStore s = preparedStore(fs);
    BlobLedger ledger = putOne(s);
    s.crash();
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /** A store created in a durable, empty directory; one put acknowledged; the power goes. */
  @ParameterizedTest
  @EnumSource(CrashModel.class)
  @Timeout(30)
  void aBlobAcknowledgedInANewStoreSurvivesPowerLoss(CrashModel model) throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(model, 1);
    FaultStore s = new FaultStore(fs);
    Files.createDirectories(s.dir());
    fs.syncAll();
    s.open();
    BlobLedger ledger = putOne(s);
    s.crash();
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /**
   * As above, but the store's directory is created by {@code ChunkStore.open} itself: the entry it
   * makes in its parent must be durable before anything in it is acknowledged.
   */
  @Test
  @Timeout(30)
  void theDirectoryOpenCreatesSurvivesPowerLoss() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    FaultStore s = new FaultStore(fs);
    s.open();
    BlobLedger ledger = putOne(s);
    s.crash();
    assertThat(Files.isDirectory(s.dir())).as("%s after the power cut", s.dir()).isTrue();
  }

  /**
   * A pack lost (a file the power cut took, or deleted by hand) whose chunks no root uses any more:
   * fsck must name them, not throw.
   */
  @Test
  @Timeout(30)
  void fsckReportsTheChunksOfALostPackThatNoRootUses() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    FaultStore s = preparedStore(fs);
    byte[] content = TestData.text(6, 100 << 10);
    Digest d = s.put(content);
    s.blobs().remove(d);
    s.closeQuietly();
    // chunks/packs/00000001.pack, as docs/FORMAT.md names it.
    Files.delete(s.dir().resolve("packs").resolve(String.format("%08x.pack", 1)));
    s.open();
    // Nothing any root used was lost: no damage, but the missing pack is named.
    FsckReport report = s.store().fsck();
    assertThat(report.damaged()).isEmpty();
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("00000001.pack"));
    s.closeQuietly();
  }
}

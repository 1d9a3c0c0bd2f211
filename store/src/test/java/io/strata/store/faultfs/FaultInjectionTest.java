package io.strata.store.faultfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.engine.GcResult;
import io.strata.store.error.StorageFullException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ENOSPC and EIO at every call that writes, syncs, renames, creates, truncates or deletes during a
 * put, a remove, a gc and a close (which seals and checkpoints). The call points are enumerated by
 * counting the calls of a clean run, then each is failed in turn on a fresh, identical store. The
 * failing operation must report an error (a {@link StorageFullException} for a put that met
 * ENOSPC), nothing acknowledged before may be lost, and the store must close and reopen (or reopen
 * after a power cut right behind the failure) with a clean fsck. Then a full disk: puts fail, reads
 * and fsck work, gc gives space back, and the store reopens.
 */
class FaultInjectionTest {
  /** What a step fails. */
  enum Scenario {
    PUT,
    REMOVE,
    GC,
    CLOSE
  }

  /** How the store comes back after the failure. */
  enum Recovery {
    /** The process closes the store and opens it again; the page cache is kept. */
    RESTART,
    /** The power goes right after the failure. */
    POWER_LOSS
  }

  private static final byte[] PUT_CONTENT =
      concat(TestData.random(70, 900 << 10), TestData.text(71, 700 << 10));

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static Digest put(FaultStore s, BlobLedger ledger, byte[] content) throws IOException {
    Digest d = Digest.sha256(content, 0, content.length);
    ledger.begin(d, content);
    s.put(content);
    ledger.putAcknowledged();
    return d;
  }

  private static void remove(FaultStore s, BlobLedger ledger, Digest d) throws IOException {
    ledger.begin(d, null);
    s.blobs().remove(d);
    ledger.removeAcknowledged();
  }

  /**
   * The same store every time: three sealed packs' worth of history, one pack entirely dead (gc
   * deletes it), one with a dead share (gc rewrites it), and an open pack; counters reset.
   */
  private static FaultStore setUp(FaultFileSystem fs, BlobLedger ledger) throws IOException {
    FaultStore s = new FaultStore(fs);
    s.open();
    s.closeQuietly();
    fs.syncAll();
    s.open();
    Digest a = put(s, ledger, TestData.text(1, 300 << 10));
    put(s, ledger, TestData.random(2, 200 << 10));
    put(s, ledger, TestData.text(3, 100 << 10));
    s.store().gc();
    Digest d = put(s, ledger, TestData.random(4, 150 << 10));
    Digest e = put(s, ledger, TestData.text(5, 50 << 10));
    s.store().gc();
    remove(s, ledger, a);
    remove(s, ledger, d);
    remove(s, ledger, e);
    put(s, ledger, TestData.text(6, 120 << 10));
    fs.resetCounters();
    return s;
  }

  /** Commits a root holding one tree node, {@code node}, as a change of metadata only does. */
  private static int commitNode(FaultStore s, byte[] node) throws IOException {
    io.strata.store.engine.ChunkStore store = s.store();
    try (io.strata.store.engine.WriteSession w = store.session()) {
      int id = store.putNode(w, node, 0, node.length).id();
      w.commit(
          List.of(
              new io.strata.store.ref.RootChange.Put(
                  new io.strata.store.ref.Root(
                      "test/tree", 0, new byte[0], org.roaringbitmap.RoaringBitmap.bitmapOf(id)))));
      return id;
    }
  }

  /** The blob the {@link Scenario#REMOVE} step removes. */
  private static Digest removed() {
    byte[] b = TestData.random(2, 200 << 10);
    return Digest.sha256(b, 0, b.length);
  }

  private static void step(Scenario scenario, FaultStore s, BlobLedger ledger) throws IOException {
    switch (scenario) {
      case PUT -> put(s, ledger, PUT_CONTENT);
      case REMOVE -> remove(s, ledger, removed());
      case GC -> s.store().gc();
      case CLOSE -> s.store().close();
    }
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  @Timeout(60)
  void everyFailingCallIsReportedAndLosesNothingAcknowledged(Scenario scenario) throws IOException {
    FaultFileSystem clean = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger cleanLedger = new BlobLedger();
    FaultStore cs = setUp(clean, cleanLedger);
    step(scenario, cs, cleanLedger);
    List<Op> points = clean.trace();
    cs.closeQuietly();
    assertThat(points).as("calls of a clean %s", scenario).isNotEmpty();

    List<String> failed = new ArrayList<>();
    for (Op point : points) {
      for (IoError error : List.of(IoError.ENOSPC, IoError.EIO)) {
        for (Recovery recovery : Recovery.values()) {
          List<String> problems = failAt(scenario, point.call(), error, recovery);
          if (!problems.isEmpty()) {
            String f = scenario + ", " + error + " at " + point + ", " + recovery + ": " + problems;
            failed.add(f);
            System.err.println("FaultInjectionTest " + f);
          }
        }
      }
    }
    assertThat(failed).as("%d call points of a %s", points.size(), scenario).isEmpty();
  }

  private static List<String> failAt(Scenario scenario, long call, IoError error, Recovery recovery)
      throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    List<String> problems = new ArrayList<>();
    fs.failCall(call, error);
    Throwable thrown = null;
    try {
      step(scenario, s, ledger);
    } catch (IOException | RuntimeException e) {
      thrown = e;
    }
    if (thrown == null && error == IoError.EIO) {
      // A full disk may be got round (the space reserve, gc deleting before it copies); an I/O
      // error must never be swallowed.
      problems.add("the " + scenario + " reports success");
    } else if (thrown != null
        && scenario == Scenario.PUT
        && error == IoError.ENOSPC
        && !(thrown instanceof StorageFullException)) {
      problems.add("the put throws " + thrown + ", not StorageFullException");
    }
    if (recovery == Recovery.RESTART) {
      Throwable t = s.closeQuietly();
      if (t != null && scenario != Scenario.CLOSE) {
        problems.add("close after the failure fails: " + t);
      }
    } else {
      s.crash();
    }
    try {
      s.open();
    } catch (IOException | RuntimeException e) {
      problems.add("reopen fails: " + e);
      return problems;
    }
    problems.addAll(ledger.problems(s.store(), s.blobs()));
    try {
      // The store works on: a put and a gc after the recovery.
      put(s, ledger, TestData.text(99, 20 << 10));
      s.store().gc();
      problems.addAll(ledger.problems(s.store(), s.blobs()));
    } catch (IOException | RuntimeException e) {
      problems.add("the store does not work after recovery: " + e);
    }
    Throwable t = s.closeQuietly();
    if (t != null) {
      problems.add("close after recovery fails: " + t);
    }
    return problems;
  }

  /**
   * Puts 100 KiB blobs until the disk, given 700 KiB beyond what the store holds, is full; returns
   * how many were stored. Any failure but {@link StorageFullException} fails the test.
   */
  private static int fillDisk(FaultFileSystem fs, FaultStore s, BlobLedger ledger)
      throws IOException {
    fs.diskBudget(fs.usedBytes() + (700 << 10));
    for (int i = 0; i < 40; i++) {
      try {
        put(s, ledger, TestData.random(1000 + i, 100 << 10));
      } catch (StorageFullException e) {
        assertThat(i).as("puts before the disk is full").isPositive();
        return i;
      }
    }
    throw new AssertionError("40 puts of 100 KiB fit in 700 KiB");
  }

  @Test
  @Timeout(30)
  void putsOnAFullDiskFailWithStorageFullException() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    for (int i = 0; i < 3; i++) {
      byte[] small = TestData.text(2000 + i, (4 << 10) * (i + 1));
      assertThatThrownBy(() -> put(s, ledger, small)).isInstanceOf(StorageFullException.class);
    }
    s.closeQuietly();
  }

  @Test
  @Timeout(30)
  void readsAndFsckWorkOnAFullDisk() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  @Test
  @Timeout(30)
  void removesWorkOnAFullDisk() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    remove(s, ledger, ledger.present().get(0));
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /**
   * With the disk full but for a little room (16 KiB: enough for the removes' log records, not for
   * copying packs), removing half the blobs and a gc must give space back.
   */
  @Test
  @Timeout(30)
  void gcGivesSpaceBackOnAFullDisk() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    fs.diskBudget(fs.usedBytes() + (16 << 10));
    List<Digest> present = ledger.present();
    for (int i = 0; i < present.size(); i += 2) {
      remove(s, ledger, present.get(i));
    }
    long before = fs.usedBytes();
    GcResult r = s.store().gc();
    assertThat(fs.usedBytes()).as("bytes used after %s", r).isLessThan(before);
    put(s, ledger, TestData.text(3000, 8 << 10));
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  @Test
  @Timeout(30)
  void theStoreReopensOnAFullDisk() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    Throwable t = s.closeQuietly();
    fs.diskBudget(fs.usedBytes());
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).as("close failed with %s", t).isEmpty();
    s.closeQuietly();
  }

  /** The reported case: a gc fails on the full disk, and then the store must still open. */
  @Test
  @Timeout(30)
  void theStoreReopensAfterAGcFailedOnAFullDisk() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fillDisk(fs, s, ledger);
    fs.diskBudget(fs.usedBytes() + (16 << 10));
    List<Digest> present = ledger.present();
    for (int i = 0; i < present.size(); i += 2) {
      remove(s, ledger, present.get(i));
    }
    Throwable gc = null;
    try {
      s.store().gc();
    } catch (IOException | RuntimeException e) {
      gc = e;
    }
    Throwable close = s.closeQuietly();
    fs.diskBudget(fs.usedBytes());
    try {
      s.open();
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("reopen fails after gc threw " + gc + " and close " + close, e);
    }
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  // ---- reductions of what the enumeration found, each deterministic ----

  /**
   * A put whose pack write fails leaves its chunks in the index; the same put retried once there is
   * room again deduplicates against them, so their bytes must really be in the pack.
   */
  @Test
  @Timeout(30)
  void aPutRetriedAfterAFailedPackWriteReadsBack() throws IOException {
    FaultFileSystem clean = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    FaultStore cs = setUp(clean, new BlobLedger());
    cs.put(PUT_CONTENT);
    List<Op> writes =
        clean.trace().stream()
            .filter(op -> op.kind() == OpKind.WRITE && op.path().endsWith(".pack"))
            .toList();
    cs.closeQuietly();
    List<String> failed = new ArrayList<>();
    for (Op w : writes) {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
      BlobLedger ledger = new BlobLedger();
      FaultStore s = setUp(fs, ledger);
      fs.failCall(w.call(), IoError.ENOSPC);
      try {
        put(s, ledger, PUT_CONTENT);
      } catch (StorageFullException e) {
        // Expected: then the retry.
      }
      try {
        put(s, ledger, PUT_CONTENT);
        List<String> p = ledger.problems(s.store(), s.blobs());
        if (!p.isEmpty()) {
          failed.add("ENOSPC at " + w + ", then the retry: " + p);
        }
      } catch (IOException | RuntimeException e) {
        failed.add("ENOSPC at " + w + ", then the retry fails: " + e);
      }
      s.closeQuietly();
    }
    failed.forEach(f -> System.err.println("FaultInjectionTest retry: " + f));
    assertThat(failed).isEmpty();
  }

  /**
   * The root log's fsync fails: the put reports the error, but its record stays in the file, and
   * the next commit's fsync makes it durable. gc, which does not count the put's chunks as live,
   * must not leave a blob that is listed after a restart but cannot be read.
   */
  @Test
  @Timeout(30)
  void aPutWhoseRootLogFsyncFailedIsNotHalfThereAfterGcAndRestart() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fs.failOnce(op -> op.kind() == OpKind.FORCE && op.path().endsWith("roots.log"), IoError.EIO);
    assertThatThrownBy(() -> put(s, ledger, PUT_CONTENT)).isInstanceOf(IOException.class);
    put(s, ledger, TestData.text(500, 30 << 10));
    s.store().gc();
    s.closeQuietly();
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /**
   * The disk is full when a commit's records are written: to the open pack at the commit's sync,
   * or, with {@code newPack}, to a pack made for them (its header written at once). A commit with
   * data of its own fails and the space reserve stays, kept for the removals that free space; a
   * commit whose new chunks are tree nodes only (a removal, a rename through a mount) takes the
   * reserve's room and goes through, as a file system keeps room for its metadata. Such a removal
   * was undone for want of a few KiB (FullDiskRemoveTest under load, and tester AE's AE1, both in
   * session 27). It survives a crash.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  @Timeout(30)
  void treeNodesMeetingAFullDiskTakeTheSpaceReserveAndDataDoesNot(boolean newPack)
      throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    Path reserve = s.dir().resolve("reserve");
    long kept = Files.size(reserve);
    assertThat(kept).isPositive();
    if (newPack) {
      s.store().gc(); // no pack open: the next record makes one
    }
    fs.shortWriteOnce(
        op -> op.kind() == OpKind.WRITE && op.path().endsWith(".pack"), 1, IoError.ENOSPC);
    assertThatThrownBy(() -> put(s, ledger, TestData.random(701, 8 << 10)))
        .isInstanceOf(StorageFullException.class);
    assertThat(Files.size(reserve)).as("data does not take the reserve").isEqualTo(kept);

    if (newPack) {
      s.store().gc();
    }
    fs.shortWriteOnce(
        op -> op.kind() == OpKind.WRITE && op.path().endsWith(".pack"), 1, IoError.ENOSPC);
    byte[] node = TestData.random(702, 2048);
    int id = commitNode(s, node);
    assertThat(Files.exists(reserve) ? Files.size(reserve) : 0)
        .as("the node took the reserve's room")
        .isLessThan(kept);
    s.crash();
    s.open();
    assertThat(s.store().root("test/tree").chunks().contains(id)).isTrue();
    assertThat(s.store().idOf(Digest.sha256(node, 0, node.length))).isEqualTo(id);
    s.closeQuietly();
  }

  /**
   * The disk fills in the middle of a root-log record: the put fails. A put acknowledged after
   * space came back must survive a restart, so the torn record must not end the log before it.
   */
  @ParameterizedTest
  @EnumSource(Recovery.class)
  @Timeout(30)
  void aPutAcknowledgedAfterAShortRootLogWriteSurvives(Recovery recovery) throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fs.shortWriteOnce(
        op -> op.kind() == OpKind.WRITE && op.path().endsWith("roots.log"), 10, IoError.ENOSPC);
    // The space reserve may give the room for the retry; if not, the put says the disk is full.
    try {
      put(s, ledger, TestData.text(600, 40 << 10));
    } catch (StorageFullException e) {
      // reported, and the ledger keeps it in doubt
    }
    put(s, ledger, TestData.text(601, 40 << 10));
    if (recovery == Recovery.RESTART) {
      s.closeQuietly();
    } else {
      s.crash();
    }
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /**
   * The fsync of the pack a gc seals fails. The store may refuse further work with an I/O error,
   * but must not break on its own state (a NullPointerException), and a restart must recover
   * everything acknowledged.
   */
  @Test
  @Timeout(30)
  void aGcWhoseSealFsyncFailedLeavesAStoreThatClosesAndReopens() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fs.failOnce(op -> op.kind() == OpKind.FORCE && op.path().endsWith(".pack"), IoError.EIO);
    assertThatThrownBy(() -> s.store().gc()).isInstanceOf(IOException.class);
    List<Throwable> after = new ArrayList<>();
    try {
      put(s, ledger, TestData.text(700, 30 << 10));
    } catch (IOException | RuntimeException e) {
      after.add(e);
    }
    Throwable close = s.closeQuietly();
    if (close != null) {
      after.add(close);
    }
    assertThat(after).noneMatch(e -> e instanceof NullPointerException);
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  /**
   * A put whose pack fsync fails gives up on the pack: it is cut back to what the last good fsync
   * covered and sealed with the same trailer a full pack gets, counting the records it keeps.
   */
  @Test
  @Timeout(30)
  void aPackGivenUpAfterAFailedFsyncIsSealedWithTheCountOfItsRecords() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    BlobLedger ledger = new BlobLedger();
    FaultStore s = setUp(fs, ledger);
    fs.failOnce(op -> op.kind() == OpKind.FORCE && op.path().endsWith(".pack"), IoError.EIO);
    assertThatThrownBy(() -> s.put(TestData.random(702, 200 << 10)))
        .isInstanceOf(IOException.class);
    List<String> wrong = new ArrayList<>();
    int sealed = 0;
    try (var packs = Files.list(s.dir().resolve("packs"))) {
      for (Path p : packs.toList()) {
        int[] records = {0};
        PackScanner.Result r =
            PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, buf, off) -> records[0]++);
        if (!r.sealed()) {
          continue; // the open pack
        }
        sealed++;
        byte[] b = Files.readAllBytes(p);
        // The trailer's second field: its record count (docs/FORMAT.md).
        int counted = ByteBuffer.wrap(b).getInt(b.length - PackFormat.TRAILER_SIZE + 4);
        if (counted != records[0]) {
          wrong.add(p.getFileName() + ": trailer counts " + counted + ", holds " + records[0]);
        }
      }
    }
    assertThat(sealed).isPositive();
    assertThat(wrong).isEmpty();
    s.closeQuietly();
    s.open();
    assertThat(ledger.problems(s.store(), s.blobs())).isEmpty();
    s.closeQuietly();
  }

  private static List<String> prefixed(String when, List<String> problems) {
    return problems.stream().map(p -> when + ": " + p).toList();
  }
}

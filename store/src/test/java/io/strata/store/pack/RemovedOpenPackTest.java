package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open pack's file removed under a running store (docs/ADVERSARIAL.md, S6): it is put back
 * before its records are lost, whether the store is idle or fills the pack, and if it cannot be put
 * back the store forgets its records rather than keep them as if present.
 */
@Timeout(60)
class RemovedOpenPackTest {
  @TempDir Path dir;

  /**
   * Nothing syncs after the removal (an idle server): a kill some seconds later lost every
   * acknowledged record in the pack. The periodic check puts the pack back, sealed, on its own.
   */
  @Test
  void anIdlePackRemovedIsPutBackWithoutASync() throws Exception {
    PackSet packs = PackSet.open(dir, 64, 200);
    try {
      List<long[]> placed = new ArrayList<>();
      for (int id = 0; id < 5; id++) {
        placed.add(TestRecords.append(packs, id, 50 << 10));
      }
      packs.sync();
      int packId = (int) placed.get(0)[0];
      Path file = packs.path(packId);
      Files.delete(file);
      long deadline = System.nanoTime() + 5_000_000_000L;
      // openId waits for a restore under way: the file is at its name before it is sealed.
      while (packs.openId() == packId && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(file).as("the removed open pack, put back by the check alone").exists();
      // What a crash now would find: the file on disk, sealed, with every record.
      assertThat(scanIds(file)).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    } finally {
      packs.close();
    }
  }

  /**
   * The pack removed while records go on filling it: its seal at the target size wrote the trailer
   * to the removed file, so the records (acknowledged ones among them) were lost even at a clean
   * stop. Now the pack is put back before it is sealed. The periodic check is off, so only the seal
   * can have put it back.
   */
  @Test
  void aPackRemovedAndThenFilledIsPutBackBeforeItIsSealed() throws Exception {
    int size = 256 << 10;
    int n = (int) (PackFormat.TARGET_SIZE / PackFormat.recordLength(size)) + 4;
    List<long[]> placed = new ArrayList<>();
    PackSet packs = PackSet.open(dir, 64, 0);
    try {
      for (int id = 0; id < 10; id++) {
        placed.add(TestRecords.append(packs, id, size));
      }
      int first = (int) placed.get(0)[0];
      Files.delete(packs.path(first));
      for (int id = 10; id < n; id++) {
        placed.add(TestRecords.append(packs, id, size));
      }
      assertThat(placed.get(placed.size() - 1)[0])
          .as("the last records went to a new pack")
          .isNotEqualTo(first);
      Set<Integer> inFirst = new HashSet<>();
      for (long[] p : placed) {
        if (p[0] == first) {
          inFirst.add((int) p[3]);
        }
      }
      assertThat(packs.path(first)).as("the filled pack, before any sync or close").exists();
      assertThat(scanIds(packs.path(first))).containsExactlyInAnyOrderElementsOf(inFirst);
    } finally {
      packs.close();
    }
    assertReadBack(dir, placed);
  }

  /**
   * S6's rest: the open pack removed while a sync forces it. The sync's records went to the removed
   * file and the sync returned (its commits acknowledged); a power cut before the periodic check
   * lost them. Now a sync looks once its fsync is done and puts the pack back before it returns.
   * The periodic check is off and the store is not closed: only the sync can have done it.
   */
  @Test
  void aPackRemovedWhileASyncForcesItIsPutBackBeforeTheSyncReturns() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    Path root = fs.root().resolve("packs");
    Files.createDirectories(root);
    PackSet packs = PackSet.open(root, 64, 0);
    List<long[]> placed = new ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean removed =
        new java.util.concurrent.atomic.AtomicBoolean();
    placed.add(TestRecords.append(packs, 1, 8 << 10));
    packs.sync();
    placed.add(TestRecords.append(packs, 2, 8 << 10));
    int open = (int) placed.get(1)[0];
    String name = PackFormat.fileName(open);
    // an operator's rm, landing while the sync's fsync runs
    fs.failWhen(
        op -> {
          if (op.kind() == io.strata.store.faultfs.OpKind.FORCE
              && op.path().endsWith(name)
              && removed.compareAndSet(false, true)) {
            try {
              Files.delete(packs.path(open));
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          return false;
        },
        io.strata.store.faultfs.IoError.EIO);
    packs.sync();
    assertThat(removed).as("the pack was removed during the fsync").isTrue();

    fs.crash(); // the power goes before anything else looks: what the sync made durable stays
    try {
      packs.close();
    } catch (IOException | RuntimeException afterThePowerCut) {
      // its channels are gone with the power
    }
    assertReadBack(root, placed);
  }

  /**
   * Every record of {@code placed} (pack, offset, length, id) reads back whole from {@code dir}.
   */
  private static void assertReadBack(Path dir, List<long[]> placed) throws IOException {
    PackSet reopened = PackSet.open(dir, 64, 0);
    try {
      for (long[] p : placed) {
        byte[] back = new byte[(int) p[2]];
        assertThat(reopened.read((int) p[0], p[1], back, (int) p[2]))
            .as("record %d, acknowledged", p[3])
            .isTrue();
        RecordHeader h = Records.header(back, 0, (int) p[2], "test");
        Records.checkCrc(back, 0, h, "test");
        assertThat(h.chunkId()).isEqualTo(p[3]);
      }
    } finally {
      reopened.close();
    }
  }

  /**
   * The pack cannot be put back (the disk is full): its records are nowhere a restart finds them,
   * so the store learns they are all lost and the pack leaves the set; later appends go on.
   */
  @Test
  void aRemovedPackThatCannotBePutBackIsReportedLost() throws Exception {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    Path root = fs.root().resolve("packs");
    Files.createDirectories(root);
    PackSet packs = PackSet.open(root, 64, 0);
    List<long[]> lost = new ArrayList<>();
    packs.onLoss((id, end) -> lost.add(new long[] {id, end}));
    try {
      long[] where = TestRecords.append(packs, 1, 100 << 10);
      packs.sync();
      int first = (int) where[0];
      Files.delete(packs.path(first));
      fs.diskBudget(fs.usedBytes() + 1000);
      assertThatThrownBy(packs::sync).hasMessageContaining("No space left");
      assertThat(lost).as("losses reported").hasSize(1);
      assertThat(lost.get(0)).containsExactly(first, 0);
      assertThat(packs.isLocal(first)).as("the lost pack is still listed").isFalse();
      fs.diskBudget(Long.MAX_VALUE);
      long[] later = TestRecords.append(packs, 2, 100 << 10);
      packs.sync();
      assertThat((int) later[0]).isNotEqualTo(first);
      byte[] back = new byte[(int) later[2]];
      assertThat(packs.read((int) later[0], later[1], back, back.length)).isTrue();
      Records.checkCrc(back, 0, Records.header(back, 0, back.length, "test"), "test");
    } finally {
      packs.close();
    }
  }

  /**
   * A store sharing a bucket uploads sealed packs only: a pack put back (and so sealed) must be
   * handed over for upload like one that filled up, or the other stores never see its chunks.
   */
  @Test
  void aPackPutBackIsHandedOverForUpload() throws Exception {
    List<Integer> uploads = new java.util.concurrent.CopyOnWriteArrayList<>();
    PackSet packs = PackSet.open(dir, 64, 0);
    packs.attach(
        new PackSet.Remote() {
          private int next = 1;

          @Override
          public synchronized int newPackId() {
            return next++;
          }

          @Override
          public long length(int id) {
            return -1;
          }

          @Override
          public void read(int id, long offset, byte[] dst, int len) throws IOException {
            throw new IOException("pack " + id + " is not in the bucket");
          }

          @Override
          public void sealed(int id, Path path) {
            uploads.add(id);
          }

          @Override
          public java.util.Map<Integer, Long> lengths() {
            return java.util.Map.of();
          }
        });
    try {
      int first = (int) TestRecords.append(packs, 1, 100 << 10)[0];
      packs.sync();
      Files.delete(packs.path(first));
      packs.sync();
      assertThat(packs.path(first)).exists();
      assertThat(uploads).as("packs handed over for upload").containsExactly(first);
    } finally {
      packs.close();
    }
  }

  /**
   * The pack removed after its trailer was written and before the seal thread made it durable: that
   * fsync would have sealed a file no name reaches. It is put back, complete, first.
   */
  @Test
  void aFullPackRemovedBeforeItsSealIsMadeDurableIsPutBack() throws Exception {
    Path file = dir.resolve(PackFormat.fileName(7));
    PackWriter w = PackWriter.create(7, file, new WriteBuffers());
    for (int id = 0; id < 3; id++) {
      byte[] rec = TestRecords.record(id, 40 << 10);
      w.append(rec, 0, rec.length);
    }
    w.writeTrailer();
    Files.delete(file);
    w.forceAndClose();
    assertThat(scanIds(file)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(w.synced()).isEqualTo(Files.size(file));
  }

  /** The chunk ids of the records in pack file {@code file}, which must be sealed and whole. */
  private static Set<Integer> scanIds(Path file) throws IOException {
    Set<Integer> ids = new HashSet<>();
    PackScanner.Result r =
        PackScanner.scan(file, PackFormat.HEADER_SIZE, (h, o, b, f) -> ids.add(h.chunkId()));
    assertThat(r.sealed()).as("%s is sealed", file.getFileName()).isTrue();
    assertThat(r.damaged()).as("damaged records in %s", file.getFileName()).isEmpty();
    return ids;
  }
}

package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.faultfs.CrashModel;
import io.strata.store.faultfs.FaultFileSystem;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Appends that fill packs: full packs are sealed off the append path, and sync waits for them. */
class PackSetTest {
  @TempDir Path dir;

  @Test
  void concurrentAppendsAndReadsSeeEveryRecordIntact() throws Exception {
    PackSet packs = PackSet.open(dir);
    try {
      List<long[]> placed = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        writers.add(
            pool.submit(
                () -> {
                  byte[] back = new byte[PackFormat.recordLength(100 << 10)];
                  // 4 x 180 records of up to 100 KiB (36 MB): many buffer turns and a pack
                  // boundary.
                  for (int i = 0; i < 180; i++) {
                    int id = thread * 1000 + i;
                    long[] where = TestRecords.append(packs, id, 1 + (id * 7919) % (100 << 10));
                    int len = (int) where[2];
                    placed.add(where);
                    // Read back at once: the record may still sit in a buffer.
                    assertThat(packs.read((int) where[0], where[1], back, len)).isTrue();
                    RecordHeader h = Records.header(back, 0, len, "test");
                    Records.checkCrc(back, 0, h, "test");
                    assertThat(h.chunkId()).isEqualTo(id);
                  }
                  return null;
                }));
      }
      for (Future<?> f : writers) {
        f.get();
      }
      pool.shutdown();
      packs.sync();
      assertThat(placed).hasSize(720);
      assertThat(packs.ids()).hasSizeGreaterThan(1);
      byte[] back = new byte[PackFormat.recordLength(100 << 10)];
      for (long[] p : placed) {
        assertThat(packs.read((int) p[0], p[1], back, (int) p[2])).isTrue();
        Records.checkCrc(back, 0, Records.header(back, 0, (int) p[2], "test"), "test");
      }
    } finally {
      packs.close();
    }
  }

  /**
   * A store holds a bounded number of packs open, whatever their count: it held one descriptor per
   * pack, so a large store did not start under its {@code ulimit -n}. Readers on several threads
   * over many more packs than may be open, with packs retired under them, read every record intact
   * or find a retired one gone, never fail.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void morePacksThanMayBeOpenAreReadWithinTheBound() throws Exception {
    List<long[]> placed = new ArrayList<>();
    PackSet packs = PackSet.open(dir, 3);
    byte[] rec = new byte[PackFormat.recordLength(4096)];
    try {
      for (int id = 0; id < 40; id++) {
        byte[] payload = TestData.random(id, 4096);
        System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, payload.length);
        int len =
            Records.seal(
                rec, 0, id, Codec.NONE, 4096, 4096, Digest.sha256(payload, 0, payload.length));
        long[] where = new long[2];
        packs.append(
            rec,
            0,
            len,
            (pack, offset) -> {
              where[0] = pack;
              where[1] = offset;
            });
        placed.add(new long[] {where[0], where[1], id});
        packs.sealCurrent();
      }
      packs.sync();
    } finally {
      packs.close();
    }
    PackSet reopened = PackSet.open(dir, 3);
    try {
      assertThat(reopened.ids()).hasSize(40);
      assertThat(reopened.openPacks()[1]).isZero(); // opened when read
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<Integer>> readers = new ArrayList<>();
      java.util.Set<Integer> retired = java.util.concurrent.ConcurrentHashMap.newKeySet();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        readers.add(
            pool.submit(
                () -> {
                  java.util.Random r = new java.util.Random(seed);
                  byte[] back = new byte[rec.length];
                  int gone = 0;
                  for (int i = 0; i < 2000; i++) {
                    long[] p = placed.get(r.nextInt(placed.size()));
                    if (!reopened.read((int) p[0], p[1], back, back.length)) {
                      assertThat(retired).contains((int) p[0]);
                      gone++;
                      continue;
                    }
                    RecordHeader h = Records.header(back, 0, back.length, "test");
                    Records.checkCrc(back, 0, h, "test");
                    assertThat(h.chunkId()).isEqualTo((int) p[2]);
                    assertThat(reopened.openPacks()[1]).isLessThanOrEqualTo(3);
                  }
                  return gone;
                }));
      }
      for (int i = 0; i < 10; i++) {
        int id = (int) placed.get(i * 4)[0];
        retired.add(id);
        reopened.retire(List.of(id), () -> {});
        Thread.sleep(5);
      }
      for (Future<Integer> f : readers) {
        f.get();
      }
      pool.shutdown();
      long fds;
      try (var s = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
        fds =
            s.filter(
                    f -> {
                      try {
                        return java.nio.file.Files.readSymbolicLink(f).startsWith(dir);
                      } catch (IOException e) {
                        return false;
                      }
                    })
                .count();
      }
      assertThat(fds).isLessThanOrEqualTo(3);
    } finally {
      reopened.close();
    }
  }

  @Test
  void aFullPackIsSealedAndEveryRecordReadsBackAfterSync() throws IOException {
    byte[] payload = TestData.random(1, 256 << 10);
    byte[] rec = new byte[PackFormat.recordLength(payload.length)];
    System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, payload.length);
    Digest d = Digest.sha256(payload, 0, payload.length);
    List<long[]> placed = new ArrayList<>();
    PackSet packs = PackSet.open(dir);
    try {
      // Enough records to fill the first pack and start a second.
      int n = (int) (PackFormat.TARGET_SIZE / rec.length) + 4;
      for (int id = 0; id < n; id++) {
        int len = Records.seal(rec, 0, id, Codec.NONE, payload.length, payload.length, d);
        packs.append(rec, 0, len, (pack, offset) -> placed.add(new long[] {pack, offset}));
      }
      packs.sync();
      assertThat(packs.ids()).hasSize(2);
      int first = packs.ids().get(0);
      PackScanner.Result r =
          PackScanner.scan(packs.path(first), PackFormat.HEADER_SIZE, (h, o, b, f) -> {});
      assertThat(r.sealed()).as("the full pack has its trailer").isTrue();
      assertThat(r.damaged()).isEmpty();
      byte[] back = new byte[rec.length];
      for (long[] p : placed) {
        assertThat(packs.read((int) p[0], p[1], back, rec.length)).isTrue();
        RecordHeader h = Records.header(back, 0, back.length, "test");
        Records.checkCrc(back, 0, h, "test");
      }
    } finally {
      packs.close();
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .as("the seal thread ends with the pack set")
        .noneMatch(t -> t.getName().equals("strata-pack-seal") && t.isAlive());
  }

  /**
   * The disk fills while records fill the write buffer: the full buffer's write fails, and a later
   * append that needs the buffer back meets the full disk again. That append counted its record in
   * the pack's length before it failed, so once the disk had room every later record's bytes lay
   * short of where the index placed it: acknowledged chunks read as damaged, and a restart found a
   * damaged record followed by intact ones (RegistryDiskFullIT, in CI). Records appended once there
   * is room must read back where they were placed, and the pack must scan clean.
   */
  @Test
  @Timeout(30)
  void recordsAppendedAfterAnAppendFailedOnAFullDiskReadBack() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    Path root = fs.root().resolve("packs");
    Files.createDirectories(root);
    PackSet packs = PackSet.open(root);
    try {
      fs.diskBudget(fs.usedBytes() + (100 << 10));
      int failed = 0;
      for (int id = 0; id < 10; id++) {
        try {
          TestRecords.append(packs, id, 300 << 10);
        } catch (IOException e) {
          assertThat(e).hasMessageContaining("No space left");
          failed++;
        }
      }
      assertThat(failed).as("appends that met the full disk").isGreaterThanOrEqualTo(2);
      fs.diskBudget(Long.MAX_VALUE);
      List<long[]> placed = new ArrayList<>();
      for (int id = 100; id < 110; id++) {
        placed.add(TestRecords.append(packs, id, 300 << 10));
      }
      packs.sync();
      byte[] back = new byte[PackFormat.recordLength(300 << 10)];
      for (long[] p : placed) {
        assertThat(packs.read((int) p[0], p[1], back, (int) p[2])).isTrue();
        RecordHeader h = Records.header(back, 0, (int) p[2], "test");
        Records.checkCrc(back, 0, h, "test");
        assertThat(h.chunkId()).isEqualTo(p[3]);
      }
      for (int id : packs.ids()) {
        PackScanner.Result r =
            PackScanner.scan(packs.path(id), PackFormat.HEADER_SIZE, (h, o, b, f) -> {});
        assertThat(r.damaged()).as("damaged records in pack %d", id).isEmpty();
      }
    } finally {
      packs.close();
    }
  }
}

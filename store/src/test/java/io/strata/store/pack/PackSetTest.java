package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
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
                    byte[] payload = TestData.random(id, 1 + (id * 7919) % (100 << 10));
                    byte[] rec = new byte[PackFormat.recordLength(payload.length)];
                    System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, payload.length);
                    Digest d = Digest.sha256(payload, 0, payload.length);
                    int len =
                        Records.seal(rec, 0, id, Codec.NONE, payload.length, payload.length, d);
                    long[] where = new long[3];
                    packs.append(
                        rec,
                        0,
                        len,
                        (pack, offset) -> {
                          where[0] = pack;
                          where[1] = offset;
                        });
                    where[2] = len;
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
}

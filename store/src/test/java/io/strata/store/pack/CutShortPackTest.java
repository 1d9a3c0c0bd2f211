package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pack cut short (by a crash, or after a failed fsync) is sealed with the same trailer a full
 * pack gets: at the cut, with the count of the intact records before it.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class CutShortPackTest {
  @TempDir Path dir;

  /** Header and {@code n} records of 1000 bytes, then half a record. Returns the intact end. */
  private static long writePack(Path p, int id, int n) throws IOException {
    byte[] payload = TestData.random(id, 1000);
    Digest d = Digest.sha256(payload, 0, payload.length);
    byte[] rec = new byte[PackFormat.recordLength(payload.length)];
    System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, payload.length);
    byte[] file =
        Arrays.copyOf(PackFormat.header(id, 0), PackFormat.HEADER_SIZE + (n + 1) * rec.length);
    int at = PackFormat.HEADER_SIZE;
    for (int i = 0; i < n; i++) {
      int len = Records.seal(rec, 0, 100 + i, Codec.NONE, payload.length, payload.length, d);
      System.arraycopy(rec, 0, file, at, len);
      at += len;
    }
    // A torn record: the first half of another.
    System.arraycopy(rec, 0, file, at, rec.length / 2);
    Files.write(p, Arrays.copyOf(file, at + rec.length / 2));
    return at;
  }

  private static int trailerRecords(Path p) throws IOException {
    byte[] b = Files.readAllBytes(p);
    return Bytes.getInt(b, b.length - PackFormat.TRAILER_SIZE + 4);
  }

  @Test
  void theTrailerCountsTheIntactRecordsBeforeTheCut() throws IOException {
    Path p = dir.resolve(PackFormat.fileName(7));
    long end = writePack(p, 7, 5);

    CutShortPack.seal(p, 7, end, true);

    assertThat(Files.size(p)).isEqualTo(end + PackFormat.TRAILER_SIZE);
    assertThat(trailerRecords(p)).isEqualTo(5);
    PackScanner.Result r = PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, b, f) -> {});
    assertThat(r.sealed()).isTrue();
    assertThat(r.damaged()).isEmpty();
    assertThat(r.headerOk()).isTrue();
  }

  @Test
  void aCutBeforeIntactRecordsLeavesThemOutOfTheCount() throws IOException {
    Path p = dir.resolve(PackFormat.fileName(8));
    writePack(p, 8, 5);
    long afterTwo = PackFormat.HEADER_SIZE + 2L * PackFormat.recordLength(1000);

    CutShortPack.seal(p, 8, afterTwo, true);

    assertThat(trailerRecords(p)).isEqualTo(2);
    int[] seen = {0};
    PackScanner.Result r = PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, b, f) -> seen[0]++);
    assertThat(r.sealed()).isTrue();
    assertThat(seen[0]).isEqualTo(2);
  }

  @Test
  void aLostHeaderIsWrittenAgain() throws IOException {
    Path p = dir.resolve(PackFormat.fileName(9));
    long end = writePack(p, 9, 3);
    byte[] b = Files.readAllBytes(p);
    Arrays.fill(b, 0, PackFormat.HEADER_SIZE, (byte) 0);
    Files.write(p, b);
    assertThat(PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, x, f) -> {}).headerOk())
        .isFalse();

    CutShortPack.seal(p, 9, end, false);

    PackScanner.Result r = PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, x, f) -> {});
    assertThat(r.headerOk()).isTrue();
    assertThat(r.sealed()).isTrue();
    assertThat(trailerRecords(p)).isEqualTo(3);
  }
}

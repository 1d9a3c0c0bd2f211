package io.strata.store.pack;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.compress.Codec;
import io.strata.store.digest.Digest;
import io.strata.store.disk.HolePunch;
import io.strata.store.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Holes gc punches over dead records of a sealed pack on a full disk: the file keeps its length and
 * its other records their offsets, the ranges read as zeros, and a scan skips them as holes, not
 * damage; in a pack that is not sealed, zeros stay damage or a torn end, as before.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PunchedHolesTest {
  private static final int PAYLOAD = 20_000;

  // tmpfs punches holes on every kernel CI runs; the default temporary directory may not
  private Path dir;

  @BeforeEach
  void makeDir() throws IOException {
    dir = Files.createTempDirectory(Path.of("/dev/shm"), "punched-holes");
  }

  @AfterEach
  void removeDir() throws IOException {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  /** Header and six records of chunks 100..105; sealed if {@code sealed}. */
  private static Path writePack(Path p, int id, boolean sealed) throws IOException {
    int recLen = PackFormat.recordLength(PAYLOAD);
    byte[] file = Arrays.copyOf(PackFormat.header(id, 0), PackFormat.HEADER_SIZE + 6 * recLen);
    int at = PackFormat.HEADER_SIZE;
    for (int i = 0; i < 6; i++) {
      byte[] payload = TestData.random(100 + i, PAYLOAD);
      byte[] rec = new byte[recLen];
      System.arraycopy(payload, 0, rec, PackFormat.RECORD_HEADER, PAYLOAD);
      int len =
          Records.seal(
              rec, 0, 100 + i, Codec.NONE, PAYLOAD, PAYLOAD, Digest.sha256(payload, 0, PAYLOAD));
      System.arraycopy(rec, 0, file, at, len);
      at += len;
    }
    Files.write(p, Arrays.copyOf(file, at));
    if (sealed) {
      CutShortPack.seal(p, id, at, true);
    }
    return p;
  }

  private static long offsetOf(int record) {
    return PackFormat.HEADER_SIZE + (long) record * PackFormat.recordLength(PAYLOAD);
  }

  @Test
  void punchedRecordsAreZerosTheRestStaysAndAScanSkipsThem() throws IOException {
    Path p = writePack(dir.resolve(PackFormat.fileName(3)), 3, true);
    long size = Files.size(p);
    byte[] before = Files.readAllBytes(p);
    List<HolePunch.Range> dead =
        List.of(
            new HolePunch.Range(offsetOf(1), offsetOf(3)), // records 1 and 2, one range
            new HolePunch.Range(offsetOf(4), offsetOf(5)));

    long freed = HolePunch.punch(p, dead, 4096);

    assertThat(freed).as("whole blocks given back").isGreaterThanOrEqualTo(8 * 4096L);
    assertThat(Files.size(p)).isEqualTo(size);
    byte[] after = Files.readAllBytes(p);
    for (HolePunch.Range r : dead) {
      for (long i = r.from(); i < r.to(); i++) {
        assertThat(after[(int) i]).as("byte %d", i).isZero();
      }
    }
    assertThat(Arrays.copyOfRange(after, 0, (int) offsetOf(1)))
        .isEqualTo(Arrays.copyOfRange(before, 0, (int) offsetOf(1)));
    assertThat(Arrays.copyOfRange(after, (int) offsetOf(5), after.length))
        .isEqualTo(Arrays.copyOfRange(before, (int) offsetOf(5), before.length));

    List<Integer> seen = new ArrayList<>();
    PackScanner.Result r =
        PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, b, f) -> seen.add(h.chunkId()));
    assertThat(seen).containsExactly(100, 103, 105);
    assertThat(r.sealed()).isTrue();
    assertThat(r.damaged()).isEmpty();
    assertThat(r.holeBytes()).isEqualTo(3L * PackFormat.recordLength(PAYLOAD));
  }

  @Test
  void zerosInAPackThatIsNotSealedAreNoHole() throws IOException {
    Path p = writePack(dir.resolve(PackFormat.fileName(4)), 4, false);
    assertThat(HolePunch.punch(p, List.of(new HolePunch.Range(offsetOf(2), offsetOf(3))), 4096))
        .isPositive();

    List<Integer> seen = new ArrayList<>();
    PackScanner.Result r =
        PackScanner.scan(p, PackFormat.HEADER_SIZE, (h, o, b, f) -> seen.add(h.chunkId()));
    assertThat(seen).containsExactly(100, 101, 103, 104, 105);
    assertThat(r.sealed()).isFalse();
    assertThat(r.damaged()).containsExactly(offsetOf(2));
    assertThat(r.holeBytes()).isZero();
  }
}

package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write into a snapshot of a large committed file stores the 4 KiB blocks it touches and a few
 * tree nodes, never a copy of the file.
 */
class WriteAmplificationProperties {
  private static final int FILE = 8 << 20;

  /** Tree nodes and pack headers a small write may add on top of its data. */
  private static final long NODE_OVERHEAD = 64 << 10;

  // The layout as docs/drivers/btrfs.md and docs/FORMAT.md state it, not as the code computes it:
  // writes are widened to 4 KiB sectors, cut into chunks at absolute MiB offsets, and each chunk is
  // a pack record of 52 header bytes, its payload (random bytes are stored raw), a 4-byte CRC,
  // padded to 8 bytes.
  private static final int SECTOR = 4096;
  private static final int CHUNK_GRID = 1 << 20;
  private static final int RECORD_HEADER = 4 + 1 + 1 + 2 + 4 + 4 + 4 + 32;
  private static final int RECORD_CRC = 4;

  @TempDir static Path dir;
  private static Fixture f;
  private static byte[] content;
  private static final AtomicInteger TRIES = new AtomicInteger();

  @BeforeAll
  static void layer() throws IOException {
    f = Fixture.open(dir);
    content = TestData.random(1, FILE);
    f.driver().prepare("base", null, Map.of());
    f.driver().fs("base").writeFile("/big", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    f.driver().commit("layer", "base");
  }

  @AfterAll
  static void close() throws IOException {
    f.close();
  }

  /** Pack bytes of the chunks a write of {@code length} bytes at {@code offset} must store. */
  static long expectedDataBytes(long offset, long length) {
    long end = offset + length;
    long fileSize = Math.max(FILE, end);
    long from = offset / SECTOR * SECTOR;
    long to = Math.min((end + SECTOR - 1) / SECTOR * SECTOR, fileSize);
    long bytes = 0;
    for (long p = from; p < to; ) {
      long next = Math.min(to, (p / CHUNK_GRID + 1) * CHUNK_GRID);
      long record = RECORD_HEADER + (next - p) + RECORD_CRC;
      bytes += (record + 7) / 8 * 8;
      p = next;
    }
    return bytes;
  }

  @Test
  void theExpectationFollowsTheLayoutByHand() {
    // One byte: one sector, one record of 52 + 4096 + 4 bytes.
    assertThat(expectedDataBytes(5000, 1)).isEqualTo(4152);
    // Across the 1 MiB line: a sector on each side, two records.
    assertThat(expectedDataBytes((1 << 20) - 10, 20)).isEqualTo(2 * 4152);
    // Past the end of the file: the tail is not widened beyond the new size (8 MiB + 3).
    assertThat(expectedDataBytes(FILE - 1, 4)).isEqualTo(4152 + 64);
  }

  @Test
  void aWriteStoresTheBlocksItTouches() {
    Property.forAll(
        40,
        Gen.ints(0, FILE - 1),
        Gen.ints(1, 40_000),
        WriteAmplificationProperties::storesTheBlocksItTouches);
  }

  private static void storesTheBlocksItTouches(int offset, int length) throws IOException {
    String key = "c" + TRIES.incrementAndGet();
    f.driver().prepare(key, "layer", Map.of());
    try {
      byte[] data = TestData.random(offset + 31L * length, length);
      long end = (long) offset + length;
      long before = f.storedBytes();

      f.driver().fs(key).write("/big", offset, data, 0, length);

      long expected = expectedDataBytes(offset, length);
      assertThat(f.driver().dataExclusiveBytes(key)).as("data exclusive bytes").isEqualTo(expected);
      assertThat(f.storedBytes() - before)
          .as("pack bytes written")
          .isBetween(expected, expected + NODE_OVERHEAD);
      byte[] got = new byte[length + 2];
      int n = f.driver().fs(key).read("/big", Math.max(0, offset - 1), got, 0, got.length);
      byte[] model = Arrays.copyOf(content, (int) Math.max(FILE, end));
      System.arraycopy(data, 0, model, offset, length);
      int from = Math.max(0, offset - 1);
      assertThat(Arrays.copyOf(got, n))
          .isEqualTo(Arrays.copyOfRange(model, from, Math.min(model.length, from + got.length)));
    } finally {
      f.driver().remove(key);
    }
  }
}

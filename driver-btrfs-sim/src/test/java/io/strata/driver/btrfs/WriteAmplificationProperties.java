package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A write into a snapshot of a large committed file stores the 4 KiB blocks it touches and a few
 * tree nodes, never a copy of the file.
 */
class WriteAmplificationProperties {
  private static final int FILE = 8 << 20;
  private static final long NODE_OVERHEAD = 64 << 10;

  /** Pack framing of one chunk record (header, CRC, padding). */
  private static final long RECORD_FRAMING = 128;

  private static Path dir;
  private static Fixture f;
  private static byte[] content;
  private static final AtomicInteger TRIES = new AtomicInteger();

  @BeforeContainer
  static void layer() throws IOException {
    dir = Files.createTempDirectory("btrfs-amplification");
    f = Fixture.open(dir);
    content = TestData.random(1, FILE);
    f.driver().prepare("base", null, Map.of());
    f.driver().fs("base").writeFile("/big", new ByteArrayInputStream(content), 0644, 0, 0, 0);
    f.driver().commit("layer", "base");
  }

  @AfterContainer
  static void close() throws IOException {
    f.close();
    ExtentLayoutProperties.delete(dir);
  }

  @Property(tries = 40)
  void aWriteStoresTheBlocksItTouches(
      @ForAll @IntRange(min = 0, max = FILE - 1) int offset,
      @ForAll @IntRange(min = 1, max = 40_000) int length)
      throws IOException {
    String key = "c" + TRIES.incrementAndGet();
    f.driver().prepare(key, "layer", Map.of());
    byte[] data = TestData.random(offset + 31L * length, length);
    long end = (long) offset + length;
    long blocks = (ExtentLayout.alignUp(end) - ExtentLayout.alignDown(offset)) / ExtentLayout.BLOCK;
    long chunks = 1 + (ExtentLayout.alignUp(end) - 1) / (1 << 20) - offset / (1 << 20);
    long before = f.storedBytes();

    f.driver().fs(key).write("/big", offset, data, 0, length);

    long dataBytes = f.driver().dataExclusiveBytes(key);
    long stored = f.storedBytes() - before;
    long touched =
        Math.min(blocks * ExtentLayout.BLOCK, Math.max(FILE, end) - ExtentLayout.alignDown(offset));
    assertThat(dataBytes).isBetween((long) length, touched + chunks * RECORD_FRAMING);
    assertThat(stored).isLessThan(touched + NODE_OVERHEAD);
    byte[] got = new byte[length + 2];
    int n = f.driver().fs(key).read("/big", Math.max(0, offset - 1), got, 0, got.length);
    byte[] expected = Arrays.copyOf(content, (int) Math.max(FILE, end));
    System.arraycopy(data, 0, expected, offset, length);
    int from = Math.max(0, offset - 1);
    assertThat(Arrays.copyOf(got, n))
        .isEqualTo(
            Arrays.copyOfRange(expected, from, Math.min(expected.length, from + got.length)));
    f.driver().remove(key);
  }
}

package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The extent arithmetic against a plain byte array: random writes, truncates and whole-file
 * replacements at random offsets, with changes batched, flushed, and the store reopened between.
 */
class ExtentLayoutProperties {
  private static final int SPAN = 3 << 20;

  @Property(tries = 15)
  void fileReadsAsTheByteArrayModel(
      @ForAll @LongRange(min = 0, max = 1L << 40) long seed,
      @ForAll @IntRange(min = 5, max = 60) int ops)
      throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Path dir = Files.createTempDirectory("btrfs-extents");
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      byte[] model = new byte[0];
      for (int i = 0; i < ops; i++) {
        FileSystemView fs = f.driver().fs("c");
        int op = r.nextInt(20);
        if (op < 13) {
          long offset = r.nextInt(8) == 0 ? r.nextInt(SPAN) : r.nextInt(Math.max(1, model.length));
          byte[] data = bytes(r, r.nextInt(4) == 0 ? r.nextInt(1, 1_500_000) : r.nextInt(1, 9000));
          fs.write("/f", offset, data, 0, data.length);
          model = write(model, (int) offset, data);
        } else if (op < 16) {
          int size = r.nextInt(4) == 0 ? r.nextInt(SPAN) : r.nextInt(model.length + 1);
          if (model.length == 0 && !fs.exists("/f")) {
            fs.write("/f", 0, new byte[0], 0, 0);
          }
          fs.truncate("/f", size);
          model = Arrays.copyOf(model, size);
        } else if (op < 17) {
          model = bytes(r, r.nextInt(0, 700_000));
          fs.writeFile("/f", new java.io.ByteArrayInputStream(model), 0644, 0, 0, 0);
        } else if (op < 19) {
          fs.deferSync(r.nextBoolean());
        } else {
          fs.sync();
          f.reopen();
          assertContent(f.driver().fs("c"), model);
        }
        if (model.length > 0) {
          int at = r.nextInt(model.length);
          int len = r.nextInt(1, 20_000);
          byte[] got = new byte[len];
          int n = f.driver().fs("c").read("/f", at, got, 0, len);
          int want = Math.min(len, model.length - at);
          assertThat(n).isEqualTo(want);
          assertThat(Arrays.copyOf(got, n)).isEqualTo(Arrays.copyOfRange(model, at, at + n));
        }
      }
      f.driver().fs("c").sync();
      f.reopen();
      if (model.length > 0 || f.driver().fs("c").exists("/f")) {
        assertContent(f.driver().fs("c"), model);
      }
    } finally {
      delete(dir);
    }
  }

  private static void assertContent(FileSystemView fs, byte[] model) throws IOException {
    assertThat(fs.stat("/f").size()).isEqualTo(model.length);
    try (var in = fs.open("/f")) {
      assertThat(in.readAllBytes()).isEqualTo(model);
    }
  }

  private static byte[] write(byte[] model, int offset, byte[] data) {
    byte[] out = Arrays.copyOf(model, Math.max(model.length, offset + data.length));
    System.arraycopy(data, 0, out, offset, data.length);
    return out;
  }

  /** Random bytes, sometimes runs of one value so that chunks deduplicate. */
  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    if (r.nextInt(5) == 0) {
      Arrays.fill(b, (byte) r.nextInt(3));
    } else {
      for (int i = 0; i < n; i++) {
        b[i] = (byte) r.nextInt(256);
      }
    }
    return b;
  }

  static void delete(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

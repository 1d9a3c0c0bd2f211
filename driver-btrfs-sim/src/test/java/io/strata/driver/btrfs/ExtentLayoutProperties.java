package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.Gen;
import io.strata.store.testing.Property;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The extent arithmetic against plain byte arrays: random writes, truncates, whole-file
 * replacements and reflinks between two files at random offsets, with changes batched, flushed, and
 * the store reopened between.
 */
class ExtentLayoutProperties {
  private static final int SPAN = 3 << 20;

  @Test
  void filesReadAsTheirByteArrayModels() {
    Property.forAll(
        20, Gen.longs(0, 1L << 40), Gen.ints(5, 60), ExtentLayoutProperties::readsAsModels);
  }

  private static void readsAsModels(long seed, int ops) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Path dir = Files.createTempDirectory("btrfs-extents");
    try (Fixture f = Fixture.open(dir)) {
      f.driver().prepare("c", null, Map.of());
      // Two files, so that reflinked copies are written on both sides.
      Map<String, byte[]> models = new TreeMap<>();
      for (int i = 0; i < ops; i++) {
        FileSystemView fs = f.driver().fs("c");
        String path = r.nextBoolean() ? "/f" : "/g";
        byte[] model = models.getOrDefault(path, new byte[0]);
        int op = r.nextInt(21);
        if (op < 13) {
          // A third of the writes append, as files are mostly written (content-defined cuts).
          int where = r.nextInt(24);
          long offset =
              where < 3
                  ? r.nextInt(SPAN)
                  : where < 16 ? r.nextInt(Math.max(1, model.length)) : model.length;
          byte[] data = bytes(r, r.nextInt(4) == 0 ? r.nextInt(1, 1_500_000) : r.nextInt(1, 9000));
          fs.write(path, offset, data, 0, data.length);
          models.put(path, write(model, (int) offset, data));
        } else if (op < 16 && models.containsKey(path)) {
          int size = r.nextInt(4) == 0 ? r.nextInt(SPAN) : r.nextInt(model.length + 1);
          fs.truncate(path, size);
          models.put(path, Arrays.copyOf(model, size));
        } else if (op < 17) {
          byte[] content = bytes(r, r.nextInt(0, 700_000));
          fs.writeFile(path, new ByteArrayInputStream(content), 0644, 0, 0, 0);
          models.put(path, content);
        } else if (op < 19) {
          fs.deferSync(r.nextBoolean());
        } else if (op < 20) {
          fs.sync();
          f.reopen();
          assertContents(f.driver().fs("c"), models);
        } else if (models.containsKey(path)) {
          String other = path.equals("/f") ? "/g" : "/f";
          f.driver().reflink("c", path, other);
          models.put(other, model.clone());
        }
        if (model.length > 0 && models.get(path).length > 0) {
          byte[] now = models.get(path);
          int at = r.nextInt(now.length);
          int len = r.nextInt(1, 20_000);
          byte[] got = new byte[len];
          int n = f.driver().fs("c").read(path, at, got, 0, len);
          assertThat(n).isEqualTo(Math.min(len, now.length - at));
          assertThat(Arrays.copyOf(got, n)).isEqualTo(Arrays.copyOfRange(now, at, at + n));
        }
      }
      f.driver().fs("c").sync();
      f.reopen();
      assertContents(f.driver().fs("c"), models);
    } finally {
      delete(dir);
    }
  }

  private static void assertContents(FileSystemView fs, Map<String, byte[]> models)
      throws IOException {
    for (Map.Entry<String, byte[]> e : models.entrySet()) {
      assertContent(fs, e.getKey(), e.getValue());
    }
  }

  private static void assertContent(FileSystemView fs, String path, byte[] model)
      throws IOException {
    assertThat(fs.stat(path).size()).as(path).isEqualTo(model.length);
    try (var in = fs.open(path)) {
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

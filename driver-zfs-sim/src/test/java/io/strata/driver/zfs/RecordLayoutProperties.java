package io.strata.driver.zfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.driver.DriverFixture;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Record arithmetic against a byte-array model: random writes (data and runs of zeros), truncates,
 * whole-file replaces, property changes (record size, dedup, compression) and reopens, on a real
 * store. Small record sizes make every file span many records.
 */
class RecordLayoutProperties {
  private static final String[] PATHS = {"/a", "/b", "/c"};
  private static final String[] RECORD_SIZES = {"4K", "8K", "16K"};

  @Test
  void filesReadBackAsWrittenAcrossReopens() {
    Property.forAll(
        30, Gen.longs(0, 1L << 40), Gen.ints(1, 80), RecordLayoutProperties::readBackAcrossReopens);
  }

  private static void readBackAcrossReopens(long seed, int ops) throws IOException {
    Path dir = Files.createTempDirectory("zfs-records");
    try (DriverFixture fixture = new DriverFixture(dir, new ZfsDriverProvider())) {
      SplittableRandom r = new SplittableRandom(seed);
      ZfsDriver driver = (ZfsDriver) fixture.driver();
      driver.prepare("p", null, Map.of());
      driver.set("strata", "recordsize", RECORD_SIZES[r.nextInt(RECORD_SIZES.length)]);
      Map<String, byte[]> model = new TreeMap<>();
      for (int i = 0; i < ops; i++) {
        FileSystemView fs = driver.fs("p");
        String path = PATHS[r.nextInt(PATHS.length)];
        byte[] old = model.get(path);
        switch (r.nextInt(10)) {
          case 0, 1, 2, 3 -> {
            long offset = r.nextInt(40 << 10);
            byte[] data = content(r, 1 + r.nextInt(10 << 10));
            fs.write(path, offset, data, 0, data.length);
            byte[] now = old == null ? new byte[0] : old;
            now = Arrays.copyOf(now, (int) Math.max(now.length, offset + data.length));
            System.arraycopy(data, 0, now, (int) offset, data.length);
            model.put(path, now);
          }
          case 4, 5 -> {
            if (old != null) {
              int size = r.nextInt(48 << 10);
              fs.truncate(path, size);
              model.put(path, Arrays.copyOf(old, size));
            }
          }
          case 6 -> {
            byte[] data = content(r, r.nextInt(40 << 10));
            fs.writeFile(path, new ByteArrayInputStream(data), 0644, 0, 0, 0);
            model.put(path, data);
          }
          case 7 -> changeAProperty(driver, r);
          case 8 -> driver = (ZfsDriver) fixture.reopen();
          default -> {
            if (old != null && old.length > 0) {
              int from = r.nextInt(old.length);
              int len = 1 + r.nextInt(old.length - from);
              byte[] got = new byte[len];
              assertThat(fs.read(path, from, got, 0, len)).isEqualTo(len);
              assertThat(got).isEqualTo(Arrays.copyOfRange(old, from, from + len));
            }
          }
        }
      }
      driver = (ZfsDriver) fixture.reopen();
      FileSystemView fs = driver.fs("p");
      for (Map.Entry<String, byte[]> e : model.entrySet()) {
        assertThat(fs.stat(e.getKey()).size()).isEqualTo(e.getValue().length);
        try (var in = fs.open(e.getKey())) {
          assertThat(in.readAllBytes()).as(e.getKey()).isEqualTo(e.getValue());
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void changeAProperty(ZfsDriver driver, SplittableRandom r) throws IOException {
    String dataset = driver.dataset("p");
    switch (r.nextInt(3)) {
      case 0 -> driver.set(dataset, "recordsize", RECORD_SIZES[r.nextInt(RECORD_SIZES.length)]);
      case 1 -> driver.set(dataset, "dedup", r.nextBoolean() ? "on" : "off");
      default -> driver.set(dataset, "compression", r.nextBoolean() ? "on" : "off");
    }
  }

  /** Random bytes, zeros (holes when compression is on), or a mix of both. */
  private static byte[] content(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    int kind = r.nextInt(3);
    if (kind == 0) {
      return b;
    }
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    if (kind == 2 && n > 2) {
      int from = r.nextInt(n / 2);
      Arrays.fill(b, from, from + r.nextInt(n - from), (byte) 0);
    }
    return b;
  }
}

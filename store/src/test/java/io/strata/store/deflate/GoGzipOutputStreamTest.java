package io.strata.store.deflate;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.DeflateInputs;
import io.strata.store.testing.GoGzip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strata's Go-compatible gzip against the real Go compressor, byte for byte, at every level. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GoGzipOutputStreamTest {
  @TempDir static Path dir;
  private static final Map<String, Path> inputs = new LinkedHashMap<>();

  @BeforeAll
  static void inputs() throws IOException {
    Random r = new Random(15);
    put("empty", new byte[0]);
    put("one", new byte[] {'x'});
    put("sixteen", "sixteen bytes!!!".getBytes(StandardCharsets.US_ASCII));
    put("short-text", "the quick brown fox jumps over the lazy dog\n".repeat(3).getBytes());
    put("text", DeflateInputs.text(r, 3 << 20));
    put("random", DeflateInputs.random(r, (1 << 20) + 12345));
    put("zeros", new byte[5 << 20]);
    put("runs", DeflateInputs.runs(r, 2 << 20));
    put("tar", DeflateInputs.tar(r));
    put("mixed", DeflateInputs.mixed(r, 3 << 20));
    // Past 16 MiB Go renumbers its hash chains (maxHashOffset); the output must not change.
    put("long", DeflateInputs.mixed(r, 18 << 20));
  }

  private static void put(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    inputs.put(name, p);
  }

  private static byte[] strata(Path input, int level, int writeSize) throws IOException {
    byte[] data = Files.readAllBytes(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GoGzipOutputStream z =
        new GoGzipOutputStream(out, level, GoGzipOutputStream.goHeader(level))) {
      int off = 0;
      while (off < data.length) {
        int n = Math.min(writeSize, data.length - off);
        z.write(data, off, n);
        off += n;
      }
    }
    return out.toByteArray();
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void sameBytesAsGo(int level) throws Exception {
    GoGzip.compress(level, new ArrayList<>(inputs.values()));
    List<String> differing = new ArrayList<>();
    for (Map.Entry<String, Path> e : inputs.entrySet()) {
      Path go = e.getValue().resolveSibling(e.getKey() + "." + level + ".gz");
      byte[] expected = Files.readAllBytes(go);
      byte[] actual = strata(e.getValue(), level, 65536);
      if (!java.util.Arrays.equals(expected, actual)) {
        differing.add(
            e.getKey()
                + " (go "
                + expected.length
                + " bytes, strata "
                + actual.length
                + ", first difference at "
                + java.util.Arrays.mismatch(expected, actual)
                + ")");
      }
    }
    assertThat(differing).as("inputs whose gzip differs from Go's at level %d", level).isEmpty();
  }

  @Test
  void writeSizesDoNotChangeTheOutput() throws Exception {
    Path input = inputs.get("mixed");
    for (int level : new int[] {1, 4, 6}) {
      byte[] whole = strata(input, level, Integer.MAX_VALUE);
      assertThat(strata(input, level, 1000)).isEqualTo(whole);
      assertThat(strata(input, level, 100_003)).isEqualTo(whole);
    }
  }
}

package io.strata.store.deflate.klauspost;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.DebianRootfs;
import io.strata.store.testing.DeflateInputs;
import io.strata.store.testing.KlauspostGzip;
import io.strata.store.testing.KlauspostGzip.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

/** Strata's klauspost ports against the real klauspost gzip and pgzip, byte for byte. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KlauspostGzipTest {
  @TempDir static Path dir;
  private static final Map<String, Path> inputs = new LinkedHashMap<>();

  /** Long enough for a fresh machine's first debootstrap of the Debian tar (DebianRootfs). */
  @BeforeAll
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  static void inputs() throws IOException, InterruptedException {
    Random r = new Random(15);
    put("empty", new byte[0]);
    put("one", new byte[] {'x'});
    put("forty", "forty bytes of text, enough for huffman!".getBytes(StandardCharsets.US_ASCII));
    put("short-text", "the quick brown fox jumps over the lazy dog\n".repeat(3).getBytes());
    put("text", DeflateInputs.text(r, 3 << 20));
    put("random", DeflateInputs.random(r, (1 << 20) + 12345));
    put("zeros", new byte[(5 << 20) + 7]);
    put("runs", DeflateInputs.runs(r, 2 << 20));
    put("tar", DeflateInputs.tar(r));
    put("mixed", DeflateInputs.mixed(r, (3 << 20) + 4321));
    put("exact-blocks", DeflateInputs.mixed(r, 4 << 20));
    try (InputStream in = Files.newInputStream(DebianRootfs.tar())) {
      put("debian-24m", in.readNBytes(24 << 20));
    }
  }

  private static void put(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    inputs.put(name, p);
  }

  static byte[] strata(Path input, Mode mode, int level, int writeSize) throws IOException {
    byte[] header = KlauspostGzipOutputStream.header(level);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = Files.newInputStream(input);
        OutputStream z =
            switch (mode) {
              case GZIP -> new KlauspostGzipOutputStream(out, level, header);
              case PGZIP ->
                  new PgzipOutputStream(out, level, header, PgzipOutputStream.DEFAULT_BLOCK_SIZE);
              case PGZIP_256K -> new PgzipOutputStream(out, level, header, 256 << 10);
            }) {
      byte[] buf = new byte[writeSize];
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        z.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  private static List<String> differing(Mode mode, int level) throws Exception {
    KlauspostGzip.compress(mode, level, new ArrayList<>(inputs.values()));
    List<String> differing = new ArrayList<>();
    for (Map.Entry<String, Path> e : inputs.entrySet()) {
      byte[] expected = Files.readAllBytes(KlauspostGzip.output(e.getValue(), mode, level));
      byte[] actual = strata(e.getValue(), mode, level, 65536);
      if (!java.util.Arrays.equals(expected, actual)) {
        differing.add(
            e.getKey()
                + " (klauspost "
                + expected.length
                + " bytes, strata "
                + actual.length
                + ", first difference at "
                + java.util.Arrays.mismatch(expected, actual)
                + ")");
      }
    }
    return differing;
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void gzipSameBytesAsKlauspost(int level) throws Exception {
    assertThat(differing(Mode.GZIP, level))
        .as("inputs whose gzip differs from klauspost's at level %d", level)
        .isEmpty();
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {-1, 1, 6, 0, -2, 7, 9})
  void pgzipSameBytesAsPgzip(int level) throws Exception {
    assertThat(differing(Mode.PGZIP, level))
        .as("inputs whose pgzip output differs from pgzip's at level %d", level)
        .isEmpty();
  }

  /** umoci 0.4.7's pgzip: 256 KiB blocks ({@code SetConcurrency(256<<10, …)}). */
  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {-1, 1, 6, 9})
  void pgzipWith256KiBBlocksSameBytesAsPgzip(int level) throws Exception {
    assertThat(differing(Mode.PGZIP_256K, level))
        .as("inputs whose pgzip output (256 KiB blocks) differs from pgzip's at level %d", level)
        .isEmpty();
  }

  @Test
  void writeSizesDoNotChangeTheOutput() throws Exception {
    Path input = inputs.get("mixed");
    for (Mode mode : Mode.values()) {
      byte[] whole = strata(input, mode, 5, 8 << 20);
      assertThat(strata(input, mode, 5, 1000)).isEqualTo(whole);
      assertThat(strata(input, mode, 5, 100_003)).isEqualTo(whole);
    }
  }
}

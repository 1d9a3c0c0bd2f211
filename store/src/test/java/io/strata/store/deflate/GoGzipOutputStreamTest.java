package io.strata.store.deflate;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
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
    put("text", text(r, 3 << 20));
    put("random", random(r, (1 << 20) + 12345));
    put("zeros", new byte[5 << 20]);
    put("runs", runs(r, 2 << 20));
    put("tar", tar(r));
    put("mixed", mixed(r, 3 << 20));
    // Past 16 MiB Go renumbers its hash chains (maxHashOffset); the output must not change.
    put("long", mixed(r, 18 << 20));
  }

  private static void put(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    inputs.put(name, p);
  }

  private static byte[] text(Random r, int size) {
    String[] words = {
      "layer",
      "chunk",
      "digest",
      "manifest",
      "the",
      "of",
      "registry",
      "blob",
      "sha256",
      "gzip",
      "container",
      "image",
      "a",
      "to",
      "usr/lib/x86_64-linux-gnu/",
      "\n",
      "Deflate",
      "0123456789"
    };
    StringBuilder sb = new StringBuilder(size + 64);
    while (sb.length() < size) {
      sb.append(words[(int) Math.abs(r.nextGaussian() * 5) % words.length]).append(' ');
    }
    return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] random(Random r, int size) {
    byte[] b = new byte[size];
    r.nextBytes(b);
    return b;
  }

  private static byte[] runs(Random r, int size) {
    byte[] b = new byte[size];
    int i = 0;
    while (i < size) {
      int n = Math.min(size - i, 1 + r.nextInt(r.nextBoolean() ? 5 : 2000));
      byte v = (byte) r.nextInt(4);
      for (int k = 0; k < n; k++) {
        b[i + k] = v;
      }
      i += n;
    }
    return b;
  }

  /** Text, random stretches, runs and repeats from far back (up to and past 32 KiB). */
  private static byte[] mixed(Random r, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    byte[] text = text(r, 1 << 20);
    while (out.size() < size) {
      int kind = r.nextInt(5);
      int n = 1 + r.nextInt(40000);
      byte[] piece =
          switch (kind) {
            case 0 -> random(r, n);
            case 1 -> runs(r, n);
            default -> {
              int from = r.nextInt(text.length - n);
              byte[] p = new byte[n];
              System.arraycopy(text, from, p, 0, n);
              yield p;
            }
          };
      out.write(piece, 0, Math.min(piece.length, size - out.size()));
    }
    return out.toByteArray();
  }

  private static byte[] tar(Random r) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < 200; i++) {
        byte[] data = i % 3 == 0 ? random(r, r.nextInt(20000)) : text(r, r.nextInt(30000));
        TarArchiveEntry e = new TarArchiveEntry("usr/share/doc/pkg" + i + "/file" + i);
        e.setSize(data.length);
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
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

package io.strata.store.compress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * lz4-java unpacks its native library into the temporary directory of each process that loads it
 * (and a killed process leaves it there): a process that compresses only with zstd, the default,
 * must not load it. Each case runs in a JVM of its own, with a temporary directory of its own.
 */
@Timeout(120)
class Lz4LoadTest {
  @TempDir Path dir;

  /**
   * Compresses and decodes one chunk with {@code args[0]}, as a store of that setting does, then
   * prints how many lz4 files its temporary directory holds (lz4-java deletes its copy at exit).
   */
  public static void main(String[] args) throws java.io.IOException {
    ChunkCodec codec = new ChunkCodec(Compression.parse(args[0]));
    byte[] src = "a chunk, a chunk, a chunk, a chunk".repeat(100).getBytes(StandardCharsets.UTF_8);
    byte[] dst = new byte[ChunkCodec.maxEncodedLength(src.length)];
    ChunkCodec.Encoded e = codec.encode(src, 0, src.length, dst, 0);
    byte[] back = new byte[src.length];
    ChunkCodec.decode(e.codec(), dst, 0, e.length(), back, 0, src.length, "probe");
    if (!java.util.Arrays.equals(src, back)) {
      System.exit(1);
    }
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      System.out.println("lz4 files: " + s.filter(f -> f.toString().contains("lz4")).count());
    }
  }

  /** How many lz4 files a process compressing with {@code compression} unpacked. */
  private long unpackedBy(String compression) throws Exception {
    Path tmp = Files.createDirectories(dir.resolve(compression.replace(':', '-')));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                Lz4LoadTest.class.getName(),
                compression)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("lz4 files: (\\d+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aZstdProcessUnpacksNoLz4LibraryAndAnLz4OneDoes() throws Exception {
    assertThat(unpackedBy("zstd:3")).isZero();
    // the probe sees the library when it is loaded: without this the first check proves nothing
    assertThat(unpackedBy("lz4")).isPositive();
  }
}

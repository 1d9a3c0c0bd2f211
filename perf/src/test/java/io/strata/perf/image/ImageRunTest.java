package io.strata.perf.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.perf.data.SampleData;
import io.strata.perf.ingest.DataSet;
import io.strata.store.compress.Compression;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One round over two small trees, the second a new version of the first, without peers: both are
 * packed with umoci, imported from layout and directory, and the second import adds only what
 * changed.
 */
class ImageRunTest {
  @Test
  void secondVersionAddsOnlyItsNewFilesFromEitherSource(@TempDir Path tmp) throws Exception {
    assertThat(LayoutCache.umociVersion())
        .as("umoci is not installed (apt-get install umoci); .ci/run installs it")
        .isNotNull();
    Path v1 = Files.createDirectories(tmp.resolve("v1/usr/lib"));
    Files.write(v1.resolve("libbig.so"), SampleData.random(400_000, 1));
    Files.write(v1.resolve("notes.txt"), SampleData.textLike(200_000, 2));
    Files.createSymbolicLink(v1.resolve("libbig.so.1"), Path.of("libbig.so"));
    // A FIFO is not image content: packing leaves it out, or the directory import would refuse it.
    assertThat(new ProcessBuilder("mkfifo", v1.resolve("pipe").toString()).start().waitFor())
        .as("mkfifo")
        .isZero();
    Path v2 = tmp.resolve("v2");
    new ProcessBuilder("cp", "-a", tmp.resolve("v1").toString(), v2.toString()).start().waitFor();
    Files.write(v2.resolve("usr/lib/libnew.so"), SampleData.random(100_000, 3));

    String out = run(tmp, List.of("v1=" + tmp.resolve("v1"), "v2=" + v2));

    assertThat(Files.exists(tmp.resolve("cache/v1.bundle/rootfs/usr/lib/pipe"))).isFalse();
    for (String source : List.of("layout", "directory")) {
      List<String> first = row(out, source, "v1");
      List<String> second = row(out, source, "v2");
      assertThat(first.get(2)).isEqualTo("2"); // libbig.so and notes.txt; the rest are no files
      assertThat(second.get(2)).isEqualTo("3");
      // Random data does not compress: v1 stores ≈ 400 KB + compressed text; v2 adds the 100 KB.
      // From the layout, v2 may add its gzip layer blob too: a blob no recipe of Strata's
      // reproduces (umoci's gzip is not Go's compress/gzip) is kept whole so that it comes back
      // byte for byte (docs/IMAGES.md); its files are still stored once.
      double wholeBlob = source.equals("layout") ? largestBlob(tmp.resolve("cache/v2")) / 1e6 : 0;
      assertThat(mb(first.get(7))).isGreaterThan(0.4);
      assertThat(mb(second.get(7))).as(source).isBetween(0.1, 0.2 + wholeBlob);
    }
    // A second run finds the images in the cache rather than packing them again.
    long layoutTime = Files.getLastModifiedTime(tmp.resolve("cache/v1/index.json")).toMillis();
    run(tmp, List.of("v1=" + tmp.resolve("v1")));
    assertThat(Files.getLastModifiedTime(tmp.resolve("cache/v1/index.json")).toMillis())
        .isEqualTo(layoutTime);
  }

  @Test
  void refusesUnknownPeersAndSources(@TempDir Path tmp) {
    assertThatThrownBy(() -> settings(tmp, List.of(ImportSource.LAYOUT), List.of("bup")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bup");
    assertThatThrownBy(() -> settings(tmp, List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ImportSource.parse("tar"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tar");
    assertThat(ImportSource.parse("directory")).isEqualTo(ImportSource.DIRECTORY);
  }

  private static String run(Path tmp, List<String> specs) throws Exception {
    List<DataSet> trees = new ArrayList<>();
    for (String spec : specs) {
      trees.add(DataSet.parse(spec));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ImageRun(
            trees,
            settings(tmp, List.of(ImportSource.LAYOUT, ImportSource.DIRECTORY), List.of()),
            new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static ImageRun.Settings settings(
      Path tmp, List<ImportSource> sources, List<String> peers) {
    return new ImageRun.Settings(
        1,
        Compression.parse("zstd:3"),
        sources,
        tmp.resolve("scratch"),
        tmp.resolve("cache"),
        peers,
        "zstd,3");
  }

  /** The cells of the first table's row for {@code source} and {@code tree}. */
  private static List<String> row(String out, String source, String tree) {
    return out.lines()
        .map(l -> Arrays.stream(l.split("\\|")).map(String::trim).toList())
        .filter(c -> c.size() > 3 && c.get(1).equals(source) && c.get(2).equals(tree))
        .map(c -> c.subList(1, c.size()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + source + " " + tree + " in\n" + out));
  }

  /** Bytes of the biggest blob of the OCI layout {@code layout}: its layer. */
  private static long largestBlob(Path layout) throws java.io.IOException {
    try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
      long max = 0;
      for (Path b : blobs.toList()) {
        max = Math.max(max, Files.size(b));
      }
      return max;
    }
  }

  private static double mb(String cell) {
    return Double.parseDouble(cell.replace(" MB", ""));
  }
}

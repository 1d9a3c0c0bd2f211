package io.strata.perf.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.perf.data.SampleData;
import io.strata.store.compress.Compression;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One round over a small tree without the peer: the run completes and reports the data set. */
class IngestRunTest {
  @Test
  void reportsTheDataSetAndWritesNothingOnReingest(@TempDir Path tmp) throws Exception {
    Path tree = Files.createDirectories(tmp.resolve("tree/sub"));
    Files.write(tree.resolve("a.txt"), SampleData.textLike(300_000, 1));
    Files.write(tree.resolve("b.bin"), SampleData.random(200_000, 2));
    Files.write(tree.getParent().resolve("copy.txt"), SampleData.textLike(300_000, 1));
    DataSet ds = DataSet.parse("small=" + tmp.resolve("tree"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    new IngestRun(
            List.of(ds),
            new IngestRun.Settings(1, 2, 2, Compression.parse("zstd:3"), tmp.resolve("s"), false),
            new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run();

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(ds.files()).hasSize(3);
    assertThat(out).contains("| small ").contains("Re-ingest");
    // The copy deduplicates: logical / unique = 800 / 500.
    assertThat(out).contains("| 1.600 |");
    // Re-ingest: new bytes written, cores, CPU ms/MB (bound), CPU efficiency (n/a when this tiny
    // re-ingest took less CPU than the process clock can see).
    assertThat(out)
        .containsPattern("\\| 0 +\\| [0-9.]+ +\\| [0-9.]+ \\([0-9.]+\\) +\\| ([0-9]+%|n/a) +\\|");
  }
}

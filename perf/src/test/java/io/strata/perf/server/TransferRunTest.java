package io.strata.perf.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One round of 4 MiB: both paths read back the generator's bytes and the report has both. */
class TransferRunTest {
  @Test
  void readsBackWhatItPutBothWays(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    TransferRun.Result r =
        new TransferRun(
                new TransferRun.Settings(4 << 20, 3, 1, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    assertThat(r.digestsAgree()).isTrue();
    assertThat(r.putRatio()).isPositive();
    assertThat(r.getRatio()).isPositive();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("| put MB/s")
        .contains("| get MB/s")
        .contains("digests: OK");
    assertThat(tmp).isEmptyDirectory();
  }
}

package io.strata.perf.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Twenty 4 KiB writes into a 4 MiB file: what was written reads back, and neither driver copies the
 * file up (each stores far less than the file per write; btrfs about the write itself).
 */
class WriteAmplificationRunTest {
  @Test
  void storesTheWriteNotTheFile(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    List<WriteAmplificationRun.DriverResult> results =
        new WriteAmplificationRun(
                new WriteAmplificationRun.Settings(
                    List.of("btrfs", "zfs", "zfs@16K"), 4 << 20, 20, 4096, 9, 1, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    assertThat(results).allMatch(WriteAmplificationRun.DriverResult::readBackOk);
    assertThat(results).allMatch(r -> r.firstWritePackBytes() < (1 << 20));
    assertThat(results.get(0).exclusivePerByte()).isBetween(0.9, 4.0);
    // A smaller recordsize stores a smaller record per write.
    assertThat(results.get(2).firstWritePackBytes())
        .isLessThan(results.get(1).firstWritePackBytes());
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("every written block read back: OK");
    assertThat(tmp).isEmptyDirectory();
  }
}

package io.strata.perf.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changes of 1 and 2 MiB in a 2,000-file image: every diff names exactly what was written. */
class CommitRunTest {
  @Test
  void diffsNameWhatWasWritten(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    boolean ok =
        new CommitRun(
                new CommitRun.Settings(List.of("btrfs", "zfs"), 2000, List.of(1, 2), 1, 4, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    assertThat(ok).isTrue();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("| btrfs  | 2 MiB ")
        .contains("| zfs    | 1 MiB ");
    assertThat(tmp).isEmptyDirectory();
  }
}

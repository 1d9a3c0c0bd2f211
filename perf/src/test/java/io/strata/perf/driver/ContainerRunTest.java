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
 * Images of 10 and 2,000 files, changes of 1 and 2 MiB: containers read their image, diffs name the
 * change, commits hold it, and nothing is left behind.
 */
class ContainerRunTest {
  @Test
  void createsAndCommitsPassTheirChecks(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    boolean ok =
        new ContainerRun(
                new ContainerRun.Settings(
                    List.of("btrfs", "zfs"), 10, 2000, 3, List.of(1, 2), 1, 4, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(ok).as(printed).isTrue();
    assertThat(printed)
        .contains("| btrfs  | large (2000 files) | 2 MiB ")
        .contains("| zfs    | small (10 files)   |")
        .doesNotContain("CHECK FAILED");
    assertThat(tmp).isEmptyDirectory();
  }
}

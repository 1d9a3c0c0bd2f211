package io.strata.perf.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both drivers, small trees: every child sees its parent's files, and both rows are reported. */
class SnapshotRunTest {
  @Test
  void childrenSeeTheirParentsOnBothDrivers(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    List<SnapshotRun.DriverResult> results =
        new SnapshotRun(
                new SnapshotRun.Settings(List.of("btrfs", "zfs"), 3, 1500, 5, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    assertThat(results)
        .extracting(SnapshotRun.DriverResult::driver)
        .containsExactly("btrfs", "zfs");
    assertThat(results).allMatch(SnapshotRun.DriverResult::childrenSeeParent);
    assertThat(results).allMatch(r -> r.smallMicros() > 0 && r.largeMicros() > 0);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("large (1500 files)");
    assertThat(tmp).isEmptyDirectory();
  }
}

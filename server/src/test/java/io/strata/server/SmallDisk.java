package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A 64 MiB tmpfs mounted for a test, a disk it can fill, unmounted after. Mounting needs root, as
 * CI runs; elsewhere the test says so.
 */
final class SmallDisk {
  private SmallDisk() {}

  /** A test run on the small disk. */
  @FunctionalInterface
  interface Test {
    void run(Path small) throws Exception;
  }

  /** Runs {@code test} on a small disk mounted at {@code dir/small}. */
  static void run(Path dir, Test test) throws Exception {
    assertThat(System.getProperty("user.name"))
        .as("this test mounts a small tmpfs as the data root, which needs root (CI runs as root)")
        .isEqualTo("root");
    Path small = dir.resolve("small");
    Files.createDirectories(small);
    exec("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", small.toString());
    try {
      test.run(small);
    } finally {
      exec("umount", "-l", small.toString());
    }
  }

  private static void exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
  }
}

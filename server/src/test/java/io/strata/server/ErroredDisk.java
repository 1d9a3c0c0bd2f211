package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A 64 MiB ext4 file system (a loop device) mounted with {@code errors=remount-ro}, which a test
 * turns read-only under a running server as the kernel does after an I/O error: {@code mount -o
 * remount,ro} refuses ("mount point is busy") while the server holds files open for writing. Needs
 * root, as CI runs.
 */
final class ErroredDisk {
  private ErroredDisk() {}

  /** A test run on the disk. */
  @FunctionalInterface
  interface Test {
    void run(Path mounted, Runnable turnReadOnly) throws Exception;
  }

  /** Runs {@code test} on the disk mounted at {@code dir/ext4}; unmounts and deletes it after. */
  static void run(Path dir, Test test) throws Exception {
    assertThat(System.getProperty("user.name"))
        .as("this test mounts an ext4 loop device as the data root, which needs root")
        .isEqualTo("root");
    Path image = dir.resolve("ext4.img");
    Path mounted = dir.resolve("ext4");
    Files.createDirectories(mounted);
    exec("truncate", "-s", "64M", image.toString());
    exec("mkfs.ext4", "-q", "-F", image.toString());
    exec("mount", "-o", "loop,errors=remount-ro", image.toString(), mounted.toString());
    try {
      String device = exec("findmnt", "-n", "-o", "SOURCE", mounted.toString()).strip();
      Path trigger =
          Path.of("/sys/fs/ext4", Path.of(device).getFileName().toString(), "trigger_fs_error");
      test.run(
          mounted,
          () -> {
            try {
              Files.writeString(trigger, "1");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    } finally {
      exec("umount", "-l", mounted.toString());
    }
  }

  private static String exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    return out;
  }
}

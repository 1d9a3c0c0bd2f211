package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.testing.DebianRootfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * stratad is killed with SIGKILL while a container that containerd runs writes through its
 * snapshot's mount: the container's writes fail instead of hanging; after a restart containerd's
 * next calls work (a new container runs, the old snapshot mounts again), everything the container
 * fsync'd before the kill is there, and fsck is clean. Runs as root.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ContainerdCrashIT {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse")).as("/dev/fuse: the containers run on FUSE mounts").exists();
  }

  @Test
  void aContainersFsyncedWritesSurviveKill9AndItsWritesFailInsteadOfHanging() throws Exception {
    Path rootfs = DebianRootfs.tar();
    Path socket = dir.resolve("strata.sock");
    Path data = dir.resolve("data");
    String[] args = {"--data", data.toString(), "--containerd-socket", socket.toString()};
    StratadProcess first = StratadProcess.launch(dir.resolve("logs"), args);
    try (RealContainerd c = RealContainerd.start(dir.resolve("ctrd"), socket)) {
      String ref;
      try (first) {
        assertThat(first.awaitReady()).as(first.stderr()).isTrue();
        Cli cli = new Cli(first.port());
        ContainerdRuntimeIT.ok(cli.strata("image", "import", rootfs.toString(), "-t", "deb:1"));
        Path archive = dir.resolve("deb.tar");
        ContainerdRuntimeIT.ok(
            cli.strata(
                "image",
                "export",
                "deb:1",
                "--format",
                "docker-archive",
                "-o",
                archive.toString()));
        c.ok("image", "import", "--snapshotter", "strata", archive.toString());
        ref = c.ok("image", "ls", "-q").strip();

        // The container makes 2 MB durable (sync FILE is an fsync), then appends until a write
        // fails; `timeout` bounds it should the mount hang.
        String script =
            String.join(
                "; ",
                "head -c 2000000 /dev/zero | tr '\\0' x > /durable",
                "sync /durable",
                "i=0",
                "while echo line $i >> /log; do i=$((i+1)); done",
                "echo stopped");
        Process writer =
            new ProcessBuilder(
                    "timeout",
                    "120",
                    "ctr",
                    "-a",
                    dir.resolve("ctrd/containerd.sock").toString(),
                    "-n",
                    "default",
                    "run",
                    "--snapshotter",
                    "strata",
                    ref,
                    "writer",
                    "sh",
                    "-c",
                    script)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("writer.out").toFile())
                .start();
        Path log = awaitFile(data.resolve("containerd/mounts"), "log", writer);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.size(log) < 20_000) {
          assertThat(System.nanoTime()).as("the writer made no progress").isLessThan(deadline);
          assertThat(writer.isAlive()).as("the writer stopped early").isTrue();
          Thread.sleep(20);
        }
        first.process().destroyForcibly(); // kill -9 with the container's writes in flight
        first.process().waitFor();
        assertThat(writer.waitFor(60, TimeUnit.SECONDS)).as("the container hangs").isTrue();
        String said = Files.readString(dir.resolve("writer.out"), StandardCharsets.UTF_8);
        assertThat(writer.exitValue()).as(said).isNotEqualTo(124); // not ended by timeout
        assertThat(said)
            .containsPattern(
                "I/O error|Software caused connection abort|Transport endpoint is not connected")
            .contains("stopped");
      }

      try (StratadProcess second = StratadProcess.launch(dir.resolve("logs"), args)) {
        assertThat(second.awaitReady()).as(second.stderr()).isTrue();
        Cli cli = new Cli(second.port());
        // containerd reconnects by itself, after its gRPC backoff: a new container runs on a new
        // snapshot.
        Cli.Result after = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
          after =
              c.ctr("run", "--rm", "--snapshotter", "strata", ref, "after", "cat", "/etc/hostname");
          if (after.exit() == 0 || !after.out().contains("code = Unavailable")) {
            break;
          }
          Thread.sleep(500);
        }
        assertThat(after.exit()).as("a container after the restart: %s", after).isZero();
        // The killed container's snapshot mounts again, with what it fsync'd.
        Path at = Files.createDirectories(dir.resolve("look"));
        String mount =
            c.ok("snapshots", "--snapshotter", "strata", "mounts", at.toString(), "writer");
        assertThat(mount).startsWith("mount -t bind ");
        try {
          MountIT.ok(Cli.sh(mount, 60));
          assertThat(Files.readString(at.resolve("durable"))).isEqualTo("x".repeat(2_000_000));
          // The appended lines were never fsync'd: they may be there or not, but not damaged.
          if (Files.exists(at.resolve("log"))) {
            assertThat(Files.readString(at.resolve("log"))).matches("(line \\d+\n)*");
          }
        } finally {
          Cli.detach(at);
        }
        c.ok("containers", "rm", "writer");
        assertThat(MountIT.ok(cli.strata("fsck")).out()).contains("no damage");
        // containerd removes the --rm container's snapshot in the background: a stop of stratad
        // detaches whatever is still served.
        second.process().destroy();
        assertThat(second.awaitExit()).as(second.stderr()).isZero();
      }
    }
  }

  /** Waits (60 s at most) for a file named {@code name} under {@code mounts}' served trees. */
  private static Path awaitFile(Path mounts, String name, Process writer) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (Files.isDirectory(mounts)) {
        try (Stream<Path> served = Files.list(mounts)) {
          List<Path> found = served.map(m -> m.resolve(name)).filter(Files::exists).toList();
          if (!found.isEmpty()) {
            return found.get(0);
          }
        }
      }
      assertThat(writer.isAlive()).as("the container ended before writing %s", name).isTrue();
      assertThat(System.nanoTime()).as("%s appears", name).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}

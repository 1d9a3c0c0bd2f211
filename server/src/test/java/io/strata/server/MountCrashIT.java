package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stratad is killed with SIGKILL while a process writes through a container's FUSE mount: the
 * writer gets an error (ENOTCONN) instead of hanging; after a restart the stale mount point is
 * cleaned and mounted again, every fsync'd write is there, and fsck is clean.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MountCrashIT extends FuseMountTests {
  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  void fsyncedWritesSurviveKill9AndTheMountFailsInsteadOfHanging(String driver) throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("victim"));
    Path data = dir.resolve("data");
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("etc/hostname", "base\n"), "base:1"));
    String[] args = {
      "--data", data.toString(), "--driver", driver, "--allow-bind", allowed.toString()
    };
    byte[] durable = TestData.random(5, 3 << 20);
    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      MountIT.ok(cli.strata("image", "import", archive.toString()));
      MountIT.ok(cli.strata("create", "--name", "victim", "base:1"));
      MountIT.ok(cli.strata("mount", "victim", mnt.toString()));

      try (FileChannel ch =
          FileChannel.open(
              mnt.resolve("durable.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(durable));
        ch.force(true);
      }
      MountIT.ok(Cli.sh("echo synced > " + mnt + "/note && sync " + mnt + "/note", 30));

      // A writer that appends until a write fails; `timeout` bounds it should the mount hang.
      Process writer =
          new ProcessBuilder(
                  "timeout",
                  "60",
                  "sh",
                  "-c",
                  "i=0; while echo line $i >> " + mnt + "/log; do i=$((i+1)); done; echo stopped")
              .redirectErrorStream(true)
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(mnt.resolve("log")) || Files.size(mnt.resolve("log")) < 2000) {
        assertThat(System.nanoTime()).as("the writer made no progress").isLessThan(deadline);
        assertThat(writer.isAlive()).as("the writer stopped early").isTrue();
        Thread.sleep(20);
      }
      s.process().destroyForcibly(); // kill -9 with writes in flight
      s.process().waitFor();
      assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer hangs").isTrue();
      String said = new String(writer.getInputStream().readAllBytes());
      assertThat(writer.exitValue()).as(said).isNotEqualTo(124); // not ended by timeout
      // The write in flight at the kill fails with EIO or ECONNABORTED (the kernel aborts it, in
      // words that depend on where the request was), later ones with ENOTCONN.
      assertThat(said)
          .containsPattern(
              "I/O error|Software caused connection abort|Transport endpoint is not connected")
          .contains("stopped");
      assertThat(Cli.sh("ls " + mnt, 30).out()).contains("Transport endpoint is not connected");
    }

    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      // The dead mount under --allow-bind was detached when this server started.
      assertThat(Cli.sh("grep -c ' " + mnt + " ' /proc/self/mounts || true", 30).out().strip())
          .isEqualTo("0");
      MountIT.ok(cli.strata("mount", "victim", mnt.toString()));
      assertThat(Files.readAllBytes(mnt.resolve("durable.bin"))).isEqualTo(durable);
      assertThat(Files.readString(mnt.resolve("note"))).isEqualTo("synced\n");
      MountIT.ok(Cli.sh("echo after > " + mnt + "/after", 30));
      MountIT.ok(cli.strata("umount", mnt.toString()));
      assertThat(MountIT.ok(cli.strata("fs", "victim", "cat", "/after")).out())
          .isEqualTo("after\n");
      assertThat(MountIT.ok(cli.strata("fsck")).out()).contains("no damage");

      // Another server, killed while this one runs, leaves a dead mount: `strata umount` of it
      // here detaches it rather than saying nothing is mounted there.
      Path other = Files.createDirectories(allowed.resolve("other"));
      String[] otherArgs = {
        "--data", dir.resolve("data-other").toString(), "--allow-bind", allowed.toString()
      };
      try (StratadProcess o = StratadProcess.launch(dir.resolve("logs-other"), otherArgs)) {
        assertThat(o.awaitReady()).as(o.stderr()).isTrue();
        Cli oc = new Cli(o.port());
        MountIT.ok(oc.strata("image", "import", archive.toString()));
        MountIT.ok(oc.strata("create", "--name", "other", "base:1"));
        MountIT.ok(oc.strata("mount", "other", other.toString()));
        o.process().destroyForcibly();
        o.process().waitFor();
      }
      assertThat(Cli.sh("ls " + other + " 2>&1 || true", 30).out())
          .contains("Transport endpoint is not connected");
      assertThat(MountIT.ok(cli.strata("umount", other.toString())).out().strip())
          .isEqualTo(other.toString());
      assertThat(Cli.sh("grep -c ' " + other + " ' /proc/self/mounts || true", 30).out().strip())
          .isEqualTo("0");
      Cli.Result again = cli.strata("umount", other.toString());
      assertThat(again.exit()).as("%s", again).isEqualTo(4);
    }
  }
}

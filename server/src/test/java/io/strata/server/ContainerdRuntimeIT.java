package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.testing.DebianRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * containerd runs real containers (runc) on Strata snapshots: a Debian image written by {@code
 * strata image export} is imported with {@code ctr}, unpacked through stratad's FUSE mounts and
 * run; what containerd lists and removes is what stratad holds, and after containerd's gc {@code
 * strata gc} reclaims the chunks. Runs as root, with Debian's containerd and runc.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ContainerdRuntimeIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse")).as("/dev/fuse: the containers run on FUSE mounts").exists();
  }

  static Cli.Result ok(Cli.Result r) {
    return MountIT.ok(r);
  }

  static long stored(Cli cli) throws Exception {
    return JSON.readTree(ok(cli.strata("--json", "info")).out()).get("storedBytes").asLong();
  }

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  void debianRunsOnStrataAndGcReclaimsWhatContainerdRemoved(String driver) throws Exception {
    Path rootfs = DebianRootfs.tar();
    Path socket = dir.resolve("strata.sock");
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--driver",
            driver,
            "--containerd-socket",
            socket.toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", rootfs.toString(), "-t", "debian:bookworm"));
      Path archive = dir.resolve("debian.tar");
      ok(
          cli.strata(
              "image",
              "export",
              "debian:bookworm",
              "--format",
              "docker-archive",
              "-o",
              archive.toString()));
      // Strata forgets its own copy: what remains is containerd's alone.
      ok(cli.strata("image", "rm", "debian:bookworm"));

      try (RealContainerd c = RealContainerd.start(dir.resolve("ctrd"), socket)) {
        c.ok("image", "import", "--snapshotter", "strata", archive.toString());
        String ref = c.ok("image", "ls", "-q").strip();
        assertThat(ref).isEqualTo("docker.io/library/debian:bookworm");
        assertThat(c.ok("snapshots", "--snapshotter", "strata", "ls")).contains("Committed");

        String script =
            String.join(
                "; ",
                ". /etc/os-release",
                "echo $VERSION_CODENAME",
                "echo hello > /root/f",
                "cat /root/f",
                "ln /root/f /root/g",
                "mkfifo /root/p",
                "chmod 640 /root/f",
                "stat -c %a:%h:%F /root/f /root/g",
                "stat -c %F /root/p",
                "dpkg -s dpkg | grep ^Status",
                "sync");
        String out = c.ok("run", "--rm", "--snapshotter", "strata", ref, "c1", "sh", "-c", script);
        assertThat(out)
            .isEqualTo(
                "bookworm\nhello\n640:2:regular file\n640:2:regular file\nfifo\n"
                    + "Status: install ok installed\n");

        // A second container from the same image, kept after it ends, writes 3 MiB of its own in
        // a shell's small writes (the mount's write-behind stores them once, docs/MOUNTS.md).
        c.ok(
            "run",
            "--snapshotter",
            "strata",
            ref,
            "c2",
            "sh",
            "-c",
            "head -c 3145728 /dev/urandom > /big && sync /big && cat /etc/debian_version");
        String snapshots = c.ok("snapshots", "--snapshotter", "strata", "ls");
        assertThat(snapshots).containsPattern("(?m)^c2\\s+sha256:\\S+\\s+Active");
        String usage = c.ok("snapshots", "--snapshotter", "strata", "usage", "c2");
        // ctr prints the size in binary units: "2.9 MiB"
        Matcher size = Pattern.compile("(?m)^c2\\s+([0-9.]+) MiB").matcher(usage);
        assertThat(size.find()).as(usage).isTrue();
        double bytes = Double.parseDouble(size.group(1)) * (1 << 20);
        assertThat(bytes).as(usage).isBetween(3.0e6, 3.4e6);
        String digest =
            c.ok("image", "ls").lines().skip(1).findFirst().orElseThrow().split("\\s+")[2];
        assertThat(c.ok("content", "ls")).contains(digest);

        long held = stored(cli);
        assertThat(held).isGreaterThan(40_000_000L); // the Debian tree, compressed
        c.ok("containers", "rm", "c2");
        c.ok("image", "rm", "--sync", ref);
        assertThat(c.ok("snapshots", "--snapshotter", "strata", "ls").lines().count())
            .as("containerd removed the snapshots it had")
            .isEqualTo(1); // the header
        assertThat(c.ok("content", "ls").lines().count()).isEqualTo(1);
        try (var left = Files.list(dir.resolve("data/containerd/mounts"))) {
          assertThat(left).as("the mount points of the removed snapshots").isEmpty();
        }
      }
      ok(cli.strata("gc"));
      assertThat(stored(cli)).as("stored bytes after gc").isLessThan(1_000_000L);
      assertThat(ok(cli.strata("fsck")).out()).contains("no damage");
      assertThat(Files.readString(Path.of("/proc/self/mounts")))
          .doesNotContain(dir.resolve("data").toString());
    }
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two containerd daemons (each its own root, state and socket, as a Kubernetes containerd beside a
 * Docker one) on one stratad: on one socket the second is refused and cannot touch the first's
 * snapshots (its gc removed them, a running container's included); on two sockets each keeps its
 * own space, across a restart of stratad with the options in another order. Runs as root, with
 * Debian's containerd and runc; the image is a static busybox.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ContainerdSpacesIT {

  @TempDir Path dir;

  /** runc keeps containers by id machine-wide: ids of this run only. */
  private final String id = "spaces" + Long.toHexString(System.nanoTime());

  @BeforeAll
  static void fuse() {
    assertThat(Path.of("/dev/fuse")).as("/dev/fuse: the containers run on FUSE mounts").exists();
  }

  /** A failed test leaves a killed stratad's FUSE mounts behind: detached so the directory goes. */
  @AfterEach
  void detach() throws Exception {
    Cli.sh(
        "grep -o ' " + dir + "/[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l; true",
        30);
  }

  private static Cli.Result ok(Cli.Result r) {
    return MountIT.ok(r);
  }

  /** A busybox image made in Strata and exported as a docker archive, for ctr to import. */
  private Path busyboxArchive(Cli cli) throws Exception {
    Process ldd = new ProcessBuilder("ldd", "/bin/busybox").redirectErrorStream(true).start();
    ldd.getInputStream().readAllBytes();
    assertThat(ldd.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && ldd.exitValue() != 0)
        .as(
            "the image is /bin/busybox alone, so it must be linked statically (Debian's"
                + " busybox-static, which .ci/run installs)")
        .isTrue();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b, "UTF-8")) {
      for (String d : List.of("bin/", "dev/", "etc/", "proc/", "sys/", "tmp/")) {
        TarArchiveEntry e = new TarArchiveEntry(d);
        e.setMode(d.equals("tmp/") ? 01777 : 0755);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
      }
      byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
      TarArchiveEntry e = new TarArchiveEntry("bin/busybox");
      e.setMode(0755);
      e.setSize(busybox.length);
      t.putArchiveEntry(e);
      t.write(busybox);
      t.closeArchiveEntry();
      for (String applet : List.of("sh", "sleep", "true")) {
        TarArchiveEntry l = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
        l.setLinkName("busybox");
        t.putArchiveEntry(l);
        t.closeArchiveEntry();
      }
    }
    Path rootfs = Files.write(dir.resolve("bb-rootfs.tar"), b.toByteArray());
    ok(cli.strata("image", "import", rootfs.toString(), "-t", "bb:1"));
    Path archive = dir.resolve("bb.tar");
    ok(
        cli.strata(
            "image", "export", "bb:1", "--format", "docker-archive", "-o", archive.toString()));
    return archive;
  }

  /** The storage driver's snapshot keys containerd's services made ({@code ctrd/...}). */
  private static List<String> containerdKeys(Cli cli) throws Exception {
    List<String> keys = new ArrayList<>();
    Matcher m = Pattern.compile("ctrd/\\S+").matcher(ok(cli.strata("driver", "ls")).out());
    while (m.find()) {
      keys.add(m.group());
    }
    keys.sort(null);
    return keys;
  }

  /** {@code ctr snapshots ls} of {@code c}'s strata snapshotter, retried while stratad restarts. */
  private static String snapshots(RealContainerd c) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      Cli.Result r = c.ctr("snapshots", "--snapshotter", "strata", "ls");
      if (r.exit() == 0) {
        return r.out();
      }
      // containerd reconnects by itself after its gRPC back-off
      assertThat(r.out()).as("snapshots ls").containsIgnoringCase("unavailable");
      assertThat(System.nanoTime()).as("containerd reconnects: %s", r).isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  @Test
  void aSecondContainerdOnOneSocketIsRefusedAndTheFirstsSnapshotsSurviveItsGc() throws Exception {
    Path socket = dir.resolve("strata.sock");
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--containerd-socket",
            socket.toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      Path archive = busyboxArchive(cli);
      try (RealContainerd first = RealContainerd.start(dir.resolve("first"), socket)) {
        first.ok("image", "import", "--snapshotter", "strata", archive.toString());
        String ref = first.ok("image", "ls", "-q").strip();
        first.ok("run", "-d", "--snapshotter", "strata", ref, id, "sleep", "600");
        String before = first.ok("snapshots", "--snapshotter", "strata", "ls");
        assertThat(before).containsPattern("(?m)^" + id + "\\s+sha256:\\S+\\s+Active\\s*$");
        List<String> keys = containerdKeys(cli);
        assertThat(keys).hasSize(2).allMatch(k -> k.startsWith("ctrd/_/default/"));

        // The tester's steps (H5): the second pulls the same image, runs a container, removes
        // the image with a gc. Its keys would be the first's, and its gc would remove the first's.
        List<Cli.Result> second = new ArrayList<>();
        try (RealContainerd other = RealContainerd.start(dir.resolve("second"), socket)) {
          second.add(other.ctr("image", "import", "--snapshotter", "strata", archive.toString()));
          second.add(other.ctr("run", "--rm", "--snapshotter", "strata", ref, id + "-tmp", "true"));
          second.add(other.ctr("image", "rm", "--sync", ref));
          // (ls answers from containerd's own database; prepare asks stratad)
          second.add(other.ctr("snapshots", "--snapshotter", "strata", "prepare", id + "-x"));
        }

        // The first's snapshots, its running container's included, and its content are whole.
        assertThat(first.ok("snapshots", "--snapshotter", "strata", "ls")).isEqualTo(before);
        assertThat(containerdKeys(cli)).isEqualTo(keys);
        assertThat(first.ok("task", "ls")).containsPattern("(?m)^" + id + "\\s+\\d+\\s+RUNNING");
        assertThat(first.ok("image", "check")).contains("complete");

        // The second was refused, every call, saying why.
        String refusal =
            "containerd socket "
                + socket
                + " is owned by containerd pid "
                + first.pid()
                + ", which connected first and still runs, so pid ";
        Cli.Result imported = second.get(0);
        assertThat(imported.exit()).as(imported.out()).isNotZero();
        assertThat(imported.out())
            .contains(refusal)
            .contains("is refused: each containerd needs its own --containerd-socket");
        Cli.Result prepared = second.get(3);
        assertThat(prepared.exit()).as(prepared.out()).isNotZero();
        assertThat(prepared.out()).contains("failed precondition").contains(refusal);
        // and logged once
        assertThat(s.stderr().split(Pattern.quote(refusal), -1)).hasSize(2);

        // The container ends (runc keeps its state by id, machine-wide); its snapshot stays.
        first.ok("task", "kill", "-s", "SIGKILL", id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!first.ok("task", "ls").contains("STOPPED")) {
          assertThat(System.nanoTime()).as("the task stops").isLessThan(deadline);
          Thread.sleep(200);
        }
        first.ok("task", "rm", id);
      }

      // containerd restarts (a new process on the same root): it takes the socket over.
      try (RealContainerd again = RealContainerd.start(dir.resolve("first"), socket)) {
        assertThat(snapshots(again))
            .containsPattern("(?m)^" + id + "\\s+sha256:\\S+\\s+Active\\s*$");
        assertThat(s.stderr()).contains("takes it over").contains("pid " + again.pid() + " (uid");
        again.ok("containers", "rm", id);
      }
      s.process().destroy();
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
    }
  }

  @Test
  void twoContainerdsOnTwoSocketsKeepTheirOwnAcrossARestartWithTheOptionsReordered()
      throws Exception {
    Path a = dir.resolve("a.sock");
    Path b = dir.resolve("b.sock");
    String data = dir.resolve("data").toString();
    StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            data,
            "--containerd-socket",
            "docker=" + a,
            "--containerd-socket",
            "k8s=" + b);
    try (RealContainerd docker = RealContainerd.start(dir.resolve("docker"), a);
        RealContainerd k8s = RealContainerd.start(dir.resolve("k8s"), b)) {
      try (s) {
        assertThat(s.awaitReady()).as(s.stderr()).isTrue();
        Cli cli = new Cli(s.port());
        Path archive = busyboxArchive(cli);
        docker.ok("image", "import", "--snapshotter", "strata", archive.toString());
        k8s.ok("image", "import", "--snapshotter", "strata", archive.toString());
        String ref = docker.ok("image", "ls", "-q").strip();
        // the image's one layer: "KEY  KIND" (no parent)
        Matcher layer =
            Pattern.compile("(?m)^(sha256:\\S+)\\s+Committed\\s*$")
                .matcher(docker.ok("snapshots", "--snapshotter", "strata", "ls"));
        assertThat(layer.find()).isTrue();
        String chain = layer.group(1);
        docker.ok("snapshots", "--snapshotter", "strata", "prepare", "web", chain);

        // The tester's steps for the other containerd: a container, the image removed, a gc.
        k8s.ok("run", "--rm", "--snapshotter", "strata", ref, id + "-tmp", "true");
        k8s.ok("image", "rm", "--sync", ref);
        assertThat(k8s.ok("snapshots", "--snapshotter", "strata", "ls").lines())
            .as("the k8s containerd removed its own")
            .hasSize(1);

        String dockers = docker.ok("snapshots", "--snapshotter", "strata", "ls");
        assertThat(dockers)
            .containsPattern("(?m)^web\\s+" + Pattern.quote(chain) + "\\s+Active\\s*$")
            .containsPattern("(?m)^" + Pattern.quote(chain) + "\\s+Committed\\s*$");
        assertThat(docker.ok("image", "check")).contains("complete");
        List<String> keys = containerdKeys(cli);
        assertThat(keys).hasSize(2).allMatch(k -> k.startsWith("ctrd/docker:_/default/"));

        s.process().destroy();
        assertThat(s.awaitExit()).as(s.stderr()).isZero();

        // The same spaces, the options in the other order.
        try (StratadProcess again =
            StratadProcess.launch(
                dir.resolve("logs"),
                "--data",
                data,
                "--containerd-socket",
                "k8s=" + b,
                "--containerd-socket",
                "docker=" + a)) {
          assertThat(again.awaitReady()).as(again.stderr()).isTrue();
          assertThat(snapshots(docker)).isEqualTo(dockers);
          assertThat(snapshots(k8s).lines()).hasSize(1);
          k8s.ok("image", "import", "--snapshotter", "strata", archive.toString());
          assertThat(
                  k8s.ok(
                      "run",
                      "--rm",
                      "--snapshotter",
                      "strata",
                      ref,
                      id + "-2",
                      "sh",
                      "-c",
                      "echo hi"))
              .isEqualTo("hi\n");
          assertThat(snapshots(docker)).isEqualTo(dockers);
          assertThat(containerdKeys(new Cli(again.port())))
              .containsAll(keys)
              .anyMatch(k -> k.startsWith("ctrd/k8s:_/default/"));
          again.process().destroy();
          assertThat(again.awaitExit()).as(again.stderr()).isZero();
        }
      }
    }
  }
}

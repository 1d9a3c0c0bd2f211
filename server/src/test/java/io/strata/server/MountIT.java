package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code strata mount} and {@code strata umount} against a real stratad: a container made from an
 * imported image is mounted, used with ordinary tools, unmounted, and the writes are in the
 * container. Needs /dev/fuse and root; fails, never skips, without them.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class MountIT extends FuseMountTests {
  /**
   * A stratad over {@code dir/data} that may mount under {@code allowed}, ready; the caller closes
   * it (a second one over the same data root is a restart).
   */
  private StratadProcess server(Path allowed) throws Exception {
    StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--allow-bind",
            allowed.toString());
    if (!s.awaitReady()) {
      String err = s.stderr();
      s.close();
      throw new AssertionError("stratad did not start: " + err);
    }
    return s;
  }

  static Cli.Result ok(Cli.Result r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    return r;
  }

  @Test
  void aMountedContainerIsUsedWithOrdinaryToolsAndKeepsTheWrites() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(
        archive,
        Tars.dockerSave(
            Tars.of(
                Map.of(
                    "etc/os-release", "ID=strata\n".getBytes(StandardCharsets.UTF_8),
                    "usr/bin/tool", "#!/bin/sh\necho tool\n".getBytes(StandardCharsets.UTF_8))),
            "base:1"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "-v", "vol1:/var/data", "base:1"));

      assertThat(ok(cli.strata("mount", "c1", mnt.toString())).out().trim())
          .isEqualTo(mnt.toRealPath().toString());
      String m = mnt.toString();
      assertThat(ok(Cli.sh("cat " + m + "/etc/os-release", 30)).out()).isEqualTo("ID=strata\n");
      ok(Cli.sh("echo hello > " + m + "/hello.txt && mkdir " + m + "/dir", 30));
      ok(
          Cli.sh(
              "ln " + m + "/hello.txt " + m + "/dir/again && ln -s ../hello.txt " + m + "/dir/sym",
              30));
      ok(Cli.sh("echo more >> " + m + "/etc/os-release && chmod 700 " + m + "/usr/bin/tool", 30));
      assertThat(ok(Cli.sh("ls -l " + m + "/hello.txt", 30)).out())
          .startsWith("-rw-r--r-- 2 root root 6 ");
      assertThat(ok(Cli.sh("cat " + m + "/dir/sym", 30)).out()).isEqualTo("hello\n");
      // A volume is routed as the container's view routes it: to the volume's host directory.
      ok(Cli.sh("echo in-volume > " + m + "/var/data/v.txt", 30));
      // FIFOs are kept by the tree file system: one made through the mount is a FIFO.
      ok(Cli.sh("mkfifo " + m + "/fifo", 30));
      assertThat(ok(Cli.sh("stat -c %F " + m + "/fifo", 30)).out()).isEqualTo("fifo\n");

      ok(cli.strata("umount", mnt.toString()));
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(" " + m + " ");
      try (var left = Files.list(mnt)) {
        assertThat(left).isEmpty();
      }

      assertThat(ok(cli.strata("fs", "c1", "cat", "/hello.txt")).out()).isEqualTo("hello\n");
      assertThat(ok(cli.strata("fs", "c1", "cat", "/dir/again")).out()).isEqualTo("hello\n");
      assertThat(ok(cli.strata("fs", "c1", "cat", "/var/data/v.txt")).out())
          .isEqualTo("in-volume\n");
      assertThat(ok(cli.strata("volume", "inspect", "vol1")).out()).contains("_data");
      assertThat(dir.resolve("data/volumes/vol1/_data/v.txt")).hasContent("in-volume");
      assertThat(ok(cli.strata("fs", "c1", "cat", "/etc/os-release")).out())
          .isEqualTo("ID=strata\nmore\n");
      assertThat(ok(cli.strata("--json", "fs", "c1", "stat", "/usr/bin/tool")).out())
          .containsPattern("\"mode\" ?: ?448");
      assertThat(ok(cli.strata("--json", "fs", "c1", "stat", "/hello.txt")).out())
          .containsPattern("\"nlink\" ?: ?2");

      // Mounted again: a mounted container is not removed from under its mount.
      ok(cli.strata("mount", "c1", mnt.toString()));
      assertThat(Files.readString(mnt.resolve("hello.txt"))).isEqualTo("hello\n");
      Cli.Result rm = cli.strata("rm", "c1");
      assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
      assertThat(rm.err()).contains("is mounted at");
      Path second = Files.createDirectories(allowed.resolve("second"));
      Cli.Result twice = cli.strata("mount", "c1", second.toString());
      assertThat(twice.exit()).as(twice.toString()).isEqualTo(1);
      assertThat(twice.err()).contains("is already mounted at");
      ok(cli.strata("umount", mnt.toString()));
    }
  }

  @Test
  void aStoppedServerUnmountsAfterMakingTheWritesDurable() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      ok(Cli.sh("echo unsynced > " + mnt + "/written", 30)); // no fsync: the stop makes it durable
      s.process().destroy(); // SIGTERM
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(" " + mnt + " ");
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      assertThat(ok(cli.strata("fs", "c1", "cat", "/written")).out()).isEqualTo("unsynced\n");
    }
  }

  @Test
  void aStopKeepsServingAMountInUseUntilItsProcessEnds() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "in the image\n"), "base:1"));
    Path out = dir.resolve("read-after-stop");
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      // a process working in the mount (as a container does on its root), which reads a file
      // after the server was told to stop
      Process user =
          new ProcessBuilder("sh", "-c", "sleep 3; cat f > " + out)
              .directory(mnt.toFile())
              .redirectErrorStream(true)
              .start();
      Thread.sleep(500);
      long stop = System.nanoTime();
      s.process().destroy(); // SIGTERM
      assertThat(user.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(user.exitValue())
          .as("the process read its file: %s", new String(user.getInputStream().readAllBytes()))
          .isZero();
      assertThat(out).hasContent("in the image");
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
      // it ended with the process, well before the 20 s grace
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stop)).isLessThan(15);
      assertThat(s.stderr()).contains("mounts still in use");
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(" " + mnt + " ");
  }

  /**
   * A process that appends without fsync, its directory in the mount, while the server stops: the
   * mount is served for the grace and made durable every 5 s meanwhile, and when the grace ends
   * what it accepted is made durable and later writes fail. After a restart every line the writer
   * was told was written is there. Before, the writes of the grace were acknowledged and lost: a
   * clean stop lost more than a kill -9 (docs/ADVERSARIAL.md, H3).
   */
  @Test
  void aStopServingABusyMountLosesNothingTheMountAccepted() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    Path acked = dir.resolve("acked");
    Process writer;
    String stopLog;
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      writer = appender(acked);
      awaitAcked(acked, 10, writer);
      int atStop = acked(acked);
      s.process().destroy(); // SIGTERM
      assertThat(s.awaitExit()).as(s.stderr()).isZero();
      assertThat(acked(acked)).as("served for the grace").isGreaterThan(atStop + 50);
      stopLog = s.stderr();
    }
    assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer ends").isTrue();
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      assertThat(ok(cli.strata("fs", "c1", "cat", "/log")).out()).isEqualTo(lines(acked(acked)));
    }
    assertThat(stopLog).contains("what was written through it is durable");
  }

  /**
   * The same writer, and the server killed (kill -9) 15 s into its stop grace: the 5-second sync
   * went on during the grace, so every line written in its first 5 s is there after a restart, as
   * after a kill -9 of a server that was not stopping. Before, the grace made nothing durable.
   */
  @Test
  void aServerKilledDuringItsStopGraceLosesOnlyItsLastSeconds() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    Path acked = dir.resolve("acked");
    Process writer;
    int fiveSecondsIn;
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      writer = appender(acked);
      awaitAcked(acked, 10, writer);
      s.process().destroy(); // SIGTERM
      Thread.sleep(5_000);
      fiveSecondsIn = acked(acked);
      Thread.sleep(10_000);
      assertThat(s.process().isAlive()).as("still in its grace").isTrue();
      s.process().destroyForcibly(); // kill -9
      s.process().waitFor();
    }
    assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer ends").isTrue();
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      String log = ok(cli.strata("fs", "c1", "cat", "/log")).out();
      assertThat(log).startsWith(lines(fiveSecondsIn));
      assertThat(log).isEqualTo(lines(log.split("\n").length)); // whole lines, in order
    }
  }

  /**
   * Appends a numbered line to {@code log} in the mount every 20 ms until a write fails, its
   * directory in the mount; each line's number, once written, goes to {@code acked} (renamed into
   * place, so never read half written).
   */
  private Process appender(Path acked) throws Exception {
    return new ProcessBuilder(
            "timeout",
            "120",
            "sh",
            "-c",
            "i=0; while [ $i -lt 5000 ]; do i=$((i+1)); echo $i >> log || break; echo $i > "
                + acked
                + ".new; mv "
                + acked
                + ".new "
                + acked
                + "; sleep 0.02; done")
        .directory(mnt.toFile())
        .redirectErrorStream(true)
        .start();
  }

  private static void awaitAcked(Path acked, int lines, Process writer) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (acked(acked) < lines) {
      assertThat(System.nanoTime()).as("the writer made no progress").isLessThan(deadline);
      assertThat(writer.isAlive()).as("the writer stopped early").isTrue();
      Thread.sleep(20);
    }
  }

  private static int acked(Path acked) throws Exception {
    return Files.exists(acked) ? Integer.parseInt(Files.readString(acked).strip()) : 0;
  }

  /** The lines 1 to {@code n}, each ended by a newline. */
  private static String lines(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      b.append(i).append('\n');
    }
    return b.toString();
  }

  @Test
  void mountPointsTheServerMayNotUseAreRefusedClearly() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path full = Files.createDirectories(allowed.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));

      Cli.Result r = cli.strata("mount", "c1", outside.toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("not under an --allow-bind directory");

      r = cli.strata("mount", "c1", full.toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("is not empty");

      // A file is refused as a mount point, not as bad usage (exit 1: N6).
      Files.writeString(allowed.resolve("afile"), "x");
      r = cli.strata("mount", "c1", allowed.resolve("afile").toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("afile is not a directory");

      // A missing directory is not found (exit 4), not bad usage (docs/ADVERSARIAL.md, M6).
      r = cli.strata("mount", "c1", allowed.resolve("missing").toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(4);
      assertThat(r.err()).contains("missing does not exist");

      r = cli.strata("mount", "nosuch", allowed.toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(4);

      r = cli.strata("umount", allowed.toString());
      assertThat(r.exit()).as(r.toString()).isEqualTo(4);
      assertThat(r.err()).contains("nothing is mounted at");
    }
  }

  /**
   * What a mounted container's processes wrote is what a commit, an export and {@code strata fs}
   * read at once: a write to a file still open (held by the mount's write-behind) and an mmap write
   * (dirty pages in the kernel). They saw neither for about 5 s, and a commit made meanwhile lacked
   * them (docs/ADVERSARIAL.md, F6).
   */
  @Test
  void readersBesideAMountSeeWhatItsProcessesWrote() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(
        archive,
        Tars.dockerSave(
            Tars.of(Map.of("etc/os-release", "ID=strata\n".getBytes(StandardCharsets.UTF_8))),
            "base:1"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      Files.write(mnt.resolve("data.bin"), new byte[8192]);
      try (FileChannel log =
              FileChannel.open(
                  mnt.resolve("log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileChannel mapped =
              FileChannel.open(
                  mnt.resolve("data.bin"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        log.write(ByteBuffer.wrap("line one\nline two\n".getBytes(StandardCharsets.UTF_8)));
        MappedByteBuffer m = mapped.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
        m.put("MMAP-WRITTEN".getBytes(StandardCharsets.UTF_8));

        assertThat(ok(cli.strata("fs", "c1", "cat", "/log")).out())
            .isEqualTo("line one\nline two\n");
        assertThat(ok(cli.strata("fs", "c1", "cat", "/data.bin")).out()).startsWith("MMAP-WRITTEN");
        ok(cli.strata("commit", "c1", "c1:1"));
      }
      ok(cli.strata("create", "--name", "c2", "c1:1"));
      assertThat(ok(cli.strata("fs", "c2", "cat", "/log")).out()).isEqualTo("line one\nline two\n");
      assertThat(ok(cli.strata("fs", "c2", "cat", "/data.bin")).out()).startsWith("MMAP-WRITTEN");

      // A mounted container is skipped by a prune, as a running one is by docker's, which goes
      // on; it failed, half done (docs/ADVERSARIAL.md, F25). container prune is docker's too
      // (AG8: there was none).
      Cli.Result containerPrune = ok(cli.strata("container", "prune", "-f"));
      assertThat(containerPrune.out()).contains("Deleted Containers:", "Total reclaimed space:");
      assertThat(ok(cli.strata("ps", "-a", "--format", "{{.Names}}")).out()).isEqualTo("c1\n");
      ok(cli.strata("system", "prune", "-f"));
      assertThat(ok(cli.strata("ps", "-a", "--format", "{{.Names}}")).out()).isEqualTo("c1\n");
      assertThat(Files.readString(mnt.resolve("log"))).isEqualTo("line one\nline two\n");
      ok(cli.strata("umount", mnt.toString()));
    }
  }

  /**
   * What a container's processes write through a mount is cut into the chunks an import of the same
   * bytes stores: a file copied in with {@code cp}, written again inside the mount, and then
   * imported from the host is stored once (docs/ADVERSARIAL.md, G2: it was stored as 1 MiB blocks
   * that nothing imported matched).
   */
  @Test
  void aFileWrittenThroughAMountIsStoredOnceWithTheSameBytesImported() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    Path tree = Files.createDirectories(dir.resolve("tree"));
    int size = (6 << 20) + 4321;
    Files.write(tree.resolve("blob.bin"), io.strata.store.testing.TestData.random(21, size));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      long empty = storedBytes(cli);

      ok(Cli.sh("cp " + tree.resolve("blob.bin") + " " + mnt + "/blob.bin && sync " + mnt, 60));
      long copied = storedBytes(cli);
      // cat, not cp: cp may clone (copy_file_range), and this is about what a process writes.
      ok(Cli.sh("cat " + mnt + "/blob.bin > " + mnt + "/again.bin && sync " + mnt, 60));
      ok(cli.strata("umount", mnt.toString()));
      long again = storedBytes(cli);
      ok(cli.strata("image", "import", tree.toString(), "-t", "tree:1"));
      long imported = storedBytes(cli);

      assertThat(copied - empty).as("stored by the cp into the mount").isGreaterThan(size);
      assertThat(again - copied).as("stored by the copy inside the mount").isLessThan(512 << 10);
      assertThat(imported - again).as("stored by the import").isLessThan(512 << 10);
      assertThat(ok(cli.strata("fs", "c1", "stat", "/again.bin")).out()).contains("" + size);
    }
  }

  /**
   * A change made beside a mount ({@code strata fs rm|truncate}, {@code strata cp} in) lands after
   * what the mount's processes wrote before it, not undone by writes the mount still held
   * (docs/ADVERSARIAL.md, M1); and a volume's file is written through at once, so the same file
   * under a second target and on the host reads the write that returned (M2, M3).
   */
  @Test
  void changesBesideAMountAndVolumeWritesKeepTheirOrder() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    Path host = dir.resolve("host.bin");
    Files.write(host, "D".repeat(5000).getBytes(StandardCharsets.UTF_8));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      Path src = Files.createDirectories(allowed.resolve("src/real"));
      Files.createSymbolicLink(src.resolveSibling("lnk"), Path.of("real"));
      ok(
          cli.strata(
              "create",
              "--name",
              "c1",
              "-v",
              "vol1:/v1",
              "-v",
              "vol1:/v2",
              "-v",
              src.getParent() + ":/b",
              "-v",
              "vol2:/b/lnk/t",
              "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));

      // A target behind a link of its outer mount is where the link leads: the kernel, following
      // the link, and strata fs, naming the target as written, reach the volume (round 7, O4).
      Files.writeString(mnt.resolve("b/lnk/t/k"), "through the link");
      assertThat(dir.resolve("data/volumes/vol2/_data/k")).hasContent("through the link");
      assertThat(src.resolve("t/k")).doesNotExist();
      assertThat(ok(cli.strata("fs", "c1", "cat", "/b/lnk/t/k")).out())
          .isEqualTo("through the link");

      FileChannel removedW = heldWrite(mnt.resolve("removed"));
      ok(cli.strata("fs", "c1", "rm", "/removed"));
      removedW
          .close(); // releasing the file settles what the mount held: it must change nothing now
      assertThat(cli.strata("fs", "c1", "stat", "/removed").exit()).isEqualTo(4);
      FileChannel cutW = heldWrite(mnt.resolve("cut"));
      ok(cli.strata("fs", "c1", "truncate", "/cut", "--size", "100"));
      cutW.close(); // releasing the file settles what the mount held: it must change nothing now
      assertThat(ok(cli.strata("fs", "c1", "cat", "/cut")).out()).isEqualTo("B".repeat(100));
      // A file removed beside the mount while a process has it open: the process's next write
      // fails (stale) rather than make the name anew with zeros before it (ADVERSARIAL.md, N0).
      try (FileChannel gone =
          FileChannel.open(
              mnt.resolve("gone"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        gone.write(ByteBuffer.wrap("first".getBytes(StandardCharsets.UTF_8)));
        gone.force(true);
        ok(cli.strata("fs", "c1", "rm", "/gone"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> {
                  gone.write(ByteBuffer.wrap("later".getBytes(StandardCharsets.UTF_8)), 1 << 20);
                  gone.force(true);
                })
            .isInstanceOf(java.io.IOException.class);
      } catch (java.io.IOException closing) {
        // the close may report the stale file too
      }
      assertThat(cli.strata("fs", "c1", "stat", "/gone").exit()).isEqualTo(4);
      FileChannel copiedW = heldWrite(mnt.resolve("copied"));
      ok(cli.strata("cp", host.toString(), "c1:/copied"));
      copiedW.close(); // releasing the file settles what the mount held: it must change nothing now
      assertThat(ok(cli.strata("fs", "c1", "cat", "/copied")).out()).isEqualTo("D".repeat(5000));

      try (FileChannel w =
          FileChannel.open(
              mnt.resolve("v1/h"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        w.write(ByteBuffer.wrap("X".repeat(1000).getBytes(StandardCharsets.UTF_8)));
        w.force(true);
        FileChannel other = FileChannel.open(mnt.resolve("v2/h"), StandardOpenOption.READ);
        w.write(ByteBuffer.wrap("YYYY".getBytes(StandardCharsets.UTF_8)), 0);
        ByteBuffer got = ByteBuffer.allocate(4);
        assertThat(other.read(got, 0)).isEqualTo(4);
        other.close();
        assertThat(new String(got.array(), StandardCharsets.UTF_8))
            .as("the volume's file under its second target")
            .isEqualTo("YYYY");
        assertThat(Files.readString(dir.resolve("data/volumes/vol1/_data/h")))
            .as("the volume's file on the host")
            .startsWith("YYYYX");
      }

      // A file first seen empty under the second target reads what the first wrote at once, not
      // after the kernel's attribute timeout (ADVERSARIAL.md, N3).
      Files.write(mnt.resolve("v1/e"), new byte[0]);
      assertThat(Files.size(mnt.resolve("v2/e"))).isZero();
      Files.write(mnt.resolve("v1/e"), new byte[1500]);
      assertThat(Files.readAllBytes(mnt.resolve("v2/e"))).hasSize(1500);
      // The volume's top directory lists every time once the mount holds it open (round 7, O1).
      for (int i = 0; i < 3; i++) {
        try (var names = Files.list(mnt.resolve("v1"))) {
          assertThat(names.map(p -> p.getFileName().toString())).contains("e", "h");
        }
      }

      // Appends through two names of a volume's hard-linked file (linked on the host) keep every
      // byte: the host's O_APPEND, not the size each name's kernel inode holds (N2).
      Path vol = dir.resolve("data/volumes/vol1/_data");
      Files.writeString(vol.resolve("p"), "start\n");
      Files.createLink(vol.resolve("q"), vol.resolve("p"));
      try (FileChannel p = FileChannel.open(mnt.resolve("v1/p"), StandardOpenOption.APPEND);
          FileChannel q = FileChannel.open(mnt.resolve("v1/q"), StandardOpenOption.APPEND)) {
        p.write(ByteBuffer.wrap("XXXXXXXXXX".getBytes(StandardCharsets.UTF_8)));
        q.write(ByteBuffer.wrap("YYYYYYYYYY".getBytes(StandardCharsets.UTF_8)));
        p.write(ByteBuffer.wrap("ZZZZZZZZZZ".getBytes(StandardCharsets.UTF_8)));
      }
      assertThat(Files.readString(vol.resolve("p")))
          .isEqualTo("start\nXXXXXXXXXXYYYYYYYYYYZZZZZZZZZZ");
      ok(cli.strata("umount", mnt.toString()));
    }
  }

  /**
   * A mounted container that wrote and then went idle holds next to no heap: the write-behind's
   * buffer goes at the periodic sync, and the request and chunk buffers are the process's, lent per
   * request. Each used to keep 2.5-3.8 MiB for as long as it was mounted, and about 110 of them
   * filled the default heap (docs/ADVERSARIAL.md, N8).
   */
  @Test
  void idleMountsThatWroteHoldNextToNoHeap() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    int mounts = 16;
    byte[] data = new byte[1 << 20];
    new java.util.Random(7).nextBytes(data);
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      long pid = s.process().pid();
      // One container written and read first, so that what the store keeps process-wide (the
      // chunks and groups read last, request buffers) is in the baseline.
      List<Path> points = new java.util.ArrayList<>();
      try {
        for (int i = 0; i <= mounts; i++) {
          Path at = Files.createDirectories(allowed.resolve("m" + i));
          ok(cli.strata("create", "--name", "m" + i, "base:1"));
          ok(cli.strata("mount", "m" + i, at.toString()));
          points.add(at);
        }
        Files.write(points.get(0).resolve("w"), data);
        assertThat(Files.readAllBytes(points.get(0).resolve("w"))).isEqualTo(data);
        Thread.sleep(7_000); // a periodic sync (5 s) lets go of what the writes held
        long before = usedHeap(pid);
        for (int i = 1; i <= mounts; i++) {
          Files.write(points.get(i).resolve("w"), data);
        }
        Thread.sleep(7_000);
        long after = usedHeap(pid);
        assertThat((after - before) / mounts)
            .as(
                "heap held per idle mount that wrote 1 MiB: %d bytes before, %d after",
                before, after)
            .isLessThan(256 << 10);
      } finally {
        for (Path at : points) {
          cli.strata("umount", at.toString()); // also when an assertion failed: no mount left
        }
      }
    }
  }

  /** The server's heap in use after a full collection, by {@code jcmd}. */
  private static long usedHeap(long pid) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    ok(Cli.sh(jcmd + " " + pid + " GC.run", 60));
    Cli.Result r = ok(Cli.sh(jcmd + " " + pid + " GC.heap_info", 60));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(r.out());
    assertThat(m.find()).as(r.toString()).isTrue();
    return Long.parseLong(m.group(1)) << 10;
  }

  /**
   * A mount ended by a plain {@code umount} (not {@code strata umount}) is no longer counted as
   * mounted: its container mounts again and is removed, and nothing written through it is lost
   * (docs/ADVERSARIAL.md, N7).
   */
  @Test
  void aPlainUmountEndsTheMountForTheServerToo() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("f", "x"), "base:1"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", archive.toString()));
      ok(cli.strata("create", "--name", "c1", "base:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      Files.writeString(mnt.resolve("written"), "kept");
      ok(Cli.sh("umount " + mnt, 30));
      Cli.Result again = null;
      for (int i = 0; i < 100; i++) {
        again = cli.strata("mount", "c1", mnt.toString());
        if (again.exit() == 0) {
          break;
        }
        Thread.sleep(100);
      }
      ok(again);
      assertThat(Files.readString(mnt.resolve("written"))).isEqualTo("kept");
      ok(Cli.sh("umount " + mnt, 30));
      Cli.Result removed = null;
      for (int i = 0; i < 100; i++) {
        removed = cli.strata("rm", "c1");
        if (removed.exit() == 0) {
          break;
        }
        Thread.sleep(100);
      }
      ok(removed);
      mnt = null;
    }
  }

  /**
   * Appends through two names of an image's hard-linked file land at the file's end, whichever name
   * opened it: each name was a kernel inode of its own, with its own cached size, and an append
   * through one overwrote what the other had appended (docs/ADVERSARIAL.md, M5).
   */
  @Test
  void appendsThroughTwoNamesOfAnImagesHardLinkKeepEveryByte() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("c1"));
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.writeString(tree.resolve("a"), "start\n");
    Files.createLink(tree.resolve("b"), tree.resolve("a"));
    Files.writeString(tree.resolve("x"), "x");
    Files.createLink(tree.resolve("y"), tree.resolve("x"));
    Files.writeString(tree.resolve("p"), "p");
    Files.createLink(tree.resolve("q"), tree.resolve("p"));
    try (StratadProcess s = server(allowed)) {
      Cli cli = new Cli(s.port());
      ok(cli.strata("image", "import", tree.toString(), "-t", "links:1"));
      ok(cli.strata("create", "--name", "c1", "-v", "vol1:/v", "links:1"));
      ok(cli.strata("mount", "c1", mnt.toString()));
      try (FileChannel a = FileChannel.open(mnt.resolve("a"), StandardOpenOption.APPEND);
          FileChannel b = FileChannel.open(mnt.resolve("b"), StandardOpenOption.APPEND)) {
        a.write(ByteBuffer.wrap("XXXXXXXXXX".getBytes(StandardCharsets.UTF_8)));
        b.write(ByteBuffer.wrap("YYYYYYYYYY".getBytes(StandardCharsets.UTF_8)));
        a.write(ByteBuffer.wrap("ZZZZZZZZZZ".getBytes(StandardCharsets.UTF_8)));
      }
      String all = "start\nXXXXXXXXXXYYYYYYYYYYZZZZZZZZZZ";
      assertThat(Files.readString(mnt.resolve("b"))).isEqualTo(all);

      // The only name the kernel knows of a file with others goes (rm, or a rename over it) while
      // the file is open: the descriptor goes on writing the file, not stale (ADVERSARIAL.md, N1).
      try (FileChannel y = FileChannel.open(mnt.resolve("y"), StandardOpenOption.APPEND)) {
        Files.delete(mnt.resolve("y"));
        y.write(ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
      }
      Files.writeString(mnt.resolve("new"), "new");
      try (FileChannel q = FileChannel.open(mnt.resolve("q"), StandardOpenOption.APPEND)) {
        Files.move(mnt.resolve("new"), mnt.resolve("q"), StandardCopyOption.REPLACE_EXISTING);
        q.write(ByteBuffer.wrap("2".getBytes(StandardCharsets.UTF_8)));
      }
      assertThat(Files.readString(mnt.resolve("x"))).isEqualTo("x1");
      assertThat(Files.readString(mnt.resolve("p"))).isEqualTo("p2");
      assertThat(Files.readString(mnt.resolve("q"))).isEqualTo("new");
      ok(cli.strata("umount", mnt.toString()));
      assertThat(ok(cli.strata("fs", "c1", "cat", "/a")).out()).isEqualTo(all);
    }
  }

  /**
   * A file of 8 KiB of A made durable through the mount, then 4 KiB of B written at its start and
   * left in the mount's write-behind (no other call on the mount since): the channel is open.
   */
  private static FileChannel heldWrite(Path file) throws Exception {
    FileChannel w = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    w.write(ByteBuffer.wrap("A".repeat(8192).getBytes(StandardCharsets.UTF_8)));
    w.force(true);
    w.write(ByteBuffer.wrap("B".repeat(4096).getBytes(StandardCharsets.UTF_8)), 0);
    return w;
  }

  private static long storedBytes(Cli cli) throws Exception {
    String out = ok(cli.strata("--json", "info")).out();
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(out)
        .get("storedBytes")
        .asLong();
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What programs change in a mounted container and fsync, the way sqlite and dpkg do (writes in
 * place, a journal created and removed, rename over, modes, owners, times, extended attributes,
 * links), is there after stratad is killed right after the last fsync returned: the fsyncs wrote
 * the snapshot's intent log rather than committing its tree, and the restarted server replays it
 * (docs/MOUNTS.md, "Durability"). Names, contents and every attribute `stat` shows are as they
 * were; what was written after the last fsync may be gone, never half there.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class IntentLogCrashIT extends FuseMountTests {
  /** Every path under the tree with what stat says of it and a digest of its content. */
  private static String state(Path root) throws Exception {
    return MountIT.ok(
            Cli.sh(
                "cd "
                    + root
                    + " && find . -path ./proc -prune -o -print0 | sort -z | xargs -0 stat -c"
                    + " '%n %f %u:%g %s %h %Y.%y %Z' && find . -type f -print0 | sort -z | xargs -0"
                    + " md5sum && getfattr -R -d -m - --absolute-names . 2>/dev/null | sort",
                60))
        .out();
  }

  /**
   * The state less the database file's lines, which the last write changes, and the root's, whose
   * times the mount changes as it hides a removed file the kernel still holds (docs/MOUNTS.md) and
   * which the kernel may show from its attribute cache; sorted.
   */
  private static String withoutDb(String state) {
    return state
        .lines()
        .filter(l -> !l.contains("/var/lib/db/main ") && !l.endsWith("/var/lib/db/main"))
        .filter(l -> !l.startsWith(". "))
        .filter(l -> !l.isBlank())
        .sorted()
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"btrfs", "zfs"})
  void whatWasFsyncedIsThereAfterKill9(String driver) throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("victim"));
    Path data = dir.resolve("data");
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("etc/hostname", "base\n"), "base:1"));
    String[] args = {
      "--data", data.toString(), "--driver", driver, "--allow-bind", allowed.toString()
    };
    String acknowledged;
    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      MountIT.ok(cli.strata("image", "import", archive.toString()));
      MountIT.ok(cli.strata("create", "--name", "victim", "base:1"));
      MountIT.ok(cli.strata("mount", "victim", mnt.toString()));
      String script =
          String.join(
              "\n",
              "import os",
              "m = '" + mnt + "'",
              "os.makedirs(m + '/var/lib/db', exist_ok=True)",
              "db = os.open(m + '/var/lib/db/main', os.O_RDWR | os.O_CREAT, 0o644)",
              "for i in range(40):",
              "    j = os.open(m + '/var/lib/db/main-journal', os.O_RDWR | os.O_CREAT, 0o644)",
              "    os.write(j, os.urandom(512)); os.fsync(j); os.close(j)",
              "    os.pwrite(db, bytes([i]) * 4096, (i % 7) * 4096); os.fsync(db)",
              "    os.unlink(m + '/var/lib/db/main-journal')",
              "for i in range(30):",
              "    p = m + '/etc/conf%d' % i",
              "    with open(p + '.new', 'w') as f:",
              "        f.write('setting %d\\n' % i * (i + 1)); f.flush(); os.fsync(f.fileno())",
              "    os.rename(p + '.new', p)",
              "    os.chmod(p, 0o600 + i)",
              "    os.chown(p, 1000 + i, 2000)",
              "    os.utime(p, ns=(1_500_000_000_000_000_000 + i, 1_600_000_000_000_000_123 + i))",
              "os.setxattr(m + '/etc/conf3', 'user.origin', b'intent')",
              "os.link(m + '/etc/conf4', m + '/etc/conf4.link')",
              "os.symlink('conf5', m + '/etc/conf5.link')",
              "os.rename(m + '/etc/hostname', m + '/etc/hostname.old')",
              "os.fsync(db)",
              "os.close(db)");
      Files.writeString(dir.resolve("work.py"), script);
      MountIT.ok(Cli.sh("python3 " + dir.resolve("work.py"), 120));
      acknowledged = withoutDb(state(mnt));
      // The last change and its fsync, then the kill in the same breath: no periodic commit of
      // the tree can come between them, so the restart has the intent log to replay. It writes a
      // ninth page of the database file, which alone it changes.
      long pid = s.process().pid();
      MountIT.ok(
          Cli.sh(
              "python3 -c \"import os; f = os.open('"
                  + mnt
                  + "/var/lib/db/main', os.O_WRONLY); os.pwrite(f, b'Z' * 4096, 8 * 4096);"
                  + " os.fsync(f)\" && kill -9 "
                  + pid,
              60));
      s.process().waitFor();
      assertThat(Files.list(data.resolve(driver).resolve("intent")).count())
          .as("the fsyncs wrote the intent log")
          .isEqualTo(1);
    }

    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs2"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      assertThat(s.stderr()).contains("replayed from its intent log");
      MountIT.ok(cli.strata("mount", "victim", mnt.toString()));
      byte[] db = Files.readAllBytes(mnt.resolve("var/lib/db/main"));
      assertThat(db).hasSize(9 * 4096);
      assertThat(new String(db, 8 * 4096, 4096, java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("Z".repeat(4096));
      assertThat(withoutDb(state(mnt))).isEqualTo(acknowledged);
      MountIT.ok(cli.strata("umount", mnt.toString()));
      assertThat(MountIT.ok(cli.strata("fsck")).out()).contains("no damage");
      assertThat(Files.list(data.resolve(driver).resolve("intent")).count())
          .as("replayed, committed and removed")
          .isZero();
    }
  }

  /**
   * A log damaged after the crash (a changed byte of its only batch's header) refuses its
   * container's commit and export, naming the log and the ways out, and nothing else: every listing
   * and the other containers go on working (AL1), and removing the container gives the log up.
   */
  @org.junit.jupiter.api.Test
  void aDamagedLogRefusesItsContainerAndNothingElse() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("victim"));
    Path data = dir.resolve("data");
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("etc/hostname", "base\n"), "base:1"));
    String[] args = {"--data", data.toString(), "--allow-bind", allowed.toString()};
    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      MountIT.ok(cli.strata("image", "import", archive.toString()));
      MountIT.ok(cli.strata("create", "--name", "victim", "base:1"));
      MountIT.ok(cli.strata("create", "--name", "healthy", "base:1"));
      MountIT.ok(cli.strata("mount", "victim", mnt.toString()));
      MountIT.ok(
          Cli.sh(
              "python3 -c \"import os; f = os.open('"
                  + mnt
                  + "/acknowledged', os.O_WRONLY | os.O_CREAT, 0o644); os.write(f, b'x' * 3000);"
                  + " os.fsync(f)\" && kill -9 "
                  + s.process().pid(),
              60));
      s.process().waitFor();
    }
    Path log;
    try (var logs = Files.list(data.resolve("btrfs").resolve("intent"))) {
      log = logs.findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(log);
    b[30] ^= 0x10; // the root the batch names
    Files.write(log, b);

    try (StratadProcess s = StratadProcess.launch(dir.resolve("logs2"), args)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      Cli cli = new Cli(s.port());
      assertThat(MountIT.ok(cli.strata("ps", "-a")).out()).contains("victim").contains("healthy");
      MountIT.ok(cli.strata("system", "df"));
      MountIT.ok(cli.strata("info"));
      MountIT.ok(cli.strata("inspect", "healthy"));
      MountIT.ok(cli.strata("commit", "healthy", "kept:1"));
      for (String[] refused :
          new String[][] {
            {"commit", "victim", "lost:1"},
            {"export", "victim", "-o", dir.resolve("v.tar").toString()}
          }) {
        Cli.Result r = cli.strata(refused);
        assertThat(r.exit()).as(String.join(" ", refused)).isNotZero();
        assertThat(r.err())
            .contains("its intent log " + log)
            .contains("batch 1 at byte 0 is damaged")
            .contains("remove or roll back");
      }
      assertThat(Files.exists(dir.resolve("v.tar"))).isFalse();
      assertThat(Files.readAllBytes(log)).as("kept as it was").isEqualTo(b);
      MountIT.ok(cli.strata("rm", "victim"));
      assertThat(log).doesNotExist();
    }
  }
}

package io.strata.server;

import static io.strata.server.MountIT.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * stratad is killed with SIGKILL while a process holds an {@code O_TMPFILE} file open in a mounted
 * container, synced (docs/ADVERSARIAL.md, Y3): after the restart nothing shows it (diff, listings),
 * the next mount removes it from the tree, and fsck is clean; a file made with O_TMPFILE and linked
 * before the kill is there with its bytes.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TmpFileCrashIT extends FuseMountTests {
  /**
   * Makes an O_TMPFILE file in argv[1] with argv[3] bytes, fsyncs it, links it at argv[2] unless
   * "-" (linkat of /proc/self/fd/N, AT_SYMLINK_FOLLOW), fsyncs again, prints "held" and keeps it
   * open until stdin closes.
   */
  private static final String HELPER =
      String.join(
          "\n",
          "import ctypes, os, sys",
          "libc = ctypes.CDLL(None, use_errno=True)",
          "fd = os.open(sys.argv[1], os.O_TMPFILE | os.O_RDWR, 0o600)",
          "os.write(fd, b'x' * int(sys.argv[3]))",
          "os.fsync(fd)",
          "if sys.argv[2] != '-':",
          "    src = ('/proc/self/fd/%d' % fd).encode()",
          "    if libc.linkat(-100, src, -100, sys.argv[2].encode(), 0x400) != 0:",
          "        print('link', os.strerror(ctypes.get_errno()), flush=True)",
          "    os.fsync(fd)",
          "print('held', flush=True)",
          "sys.stdin.read()",
          "");

  /** Starts the helper and waits for it to hold its file. */
  private static Process hold(Path helper, Path in, String target, int size) throws Exception {
    Process p =
        new ProcessBuilder(
                "python3", helper.toString(), in.toString(), target, Integer.toString(size))
            .redirectErrorStream(true)
            .start();
    InputStream out = p.getInputStream();
    StringBuilder said = new StringBuilder();
    while (!said.toString().endsWith("held\n")) {
      int c = out.read();
      assertThat(c).as("the helper ended: %s", said).isNotNegative();
      said.append((char) c);
    }
    assertThat(said.toString()).isEqualTo("held\n");
    return p;
  }

  @Test
  void anOpenTmpfileFileLeavesNothingAfterKill9() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    mnt = Files.createDirectories(allowed.resolve("victim"));
    Path helper = Files.writeString(dir.resolve("tmpfile.py"), HELPER);
    Path archive = dir.resolve("base.tar");
    Files.write(archive, Tars.dockerSave(Tars.of("etc/hostname", "base\n"), "base:1"));
    String[] args = {"--data", dir.resolve("data").toString(), "--allow-bind", allowed.toString()};
    Process named = null;
    Process anonymous = null;
    try {
      try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
        assertThat(s.awaitReady()).as(s.stderr()).isTrue();
        Cli cli = new Cli(s.port());
        ok(cli.strata("image", "import", archive.toString()));
        ok(cli.strata("create", "--name", "victim", "base:1"));
        ok(cli.strata("mount", "victim", mnt.toString()));
        named = hold(helper, mnt.resolve("etc"), mnt.resolve("etc/named").toString(), 5000);
        anonymous = hold(helper, mnt.resolve("etc"), "-", 2_000_000);
        s.process().destroyForcibly(); // kill -9 with both files open
        s.process().waitFor();
      }
      try (StratadProcess s = StratadProcess.launch(dir.resolve("logs"), args)) {
        assertThat(s.awaitReady()).as(s.stderr()).isTrue();
        Cli cli = new Cli(s.port());
        assertThat(ok(cli.strata("diff", "victim")).out()).isEqualTo("C /etc\nA /etc/named\n");
        assertThat(ok(cli.strata("fs", "victim", "ls", "/")).out()).isEqualTo("etc\n");
        ok(cli.strata("fs", "victim", "stat", "/.strata-unlinked-tmp-2")); // kept by the crash
        ok(cli.strata("mount", "victim", mnt.toString()));
        assertThat(Cli.sh("ls -a " + mnt, 30).out()).isEqualTo(".\n..\netc\n");
        assertThat(Files.size(mnt.resolve("etc/named"))).isEqualTo(5000);
        ok(cli.strata("umount", mnt.toString()));
        // The mount removed the hidden file from the tree: no name left to stat.
        Cli.Result hidden = cli.strata("fs", "victim", "stat", "/.strata-unlinked-tmp-2");
        assertThat(hidden.exit()).as("%s", hidden).isNotZero();
        assertThat(hidden.out() + hidden.err()).contains("/.strata-unlinked-tmp-2");
        assertThat(ok(cli.strata("fsck")).out()).contains("no damage");
      }
    } finally {
      for (Process p : new Process[] {named, anonymous}) {
        if (p != null) {
          p.getOutputStream().close();
          p.waitFor(30, TimeUnit.SECONDS);
          p.destroyForcibly();
        }
      }
    }
  }
}

package io.strata.fuse;

import static io.strata.fuse.MountedSnapshot.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.driver.Change;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.HeldUnlinked;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code open(dir, O_TMPFILE)} through a mount (FUSE_TMPFILE, docs/ADVERSARIAL.md Y3): a file with
 * no name, read and written through its descriptor, named by a later {@code linkat} (FUSE_LINK) or
 * gone without a trace when closed unnamed. The calls are python3's, which Java cannot make.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TmpFileMountTest {
  /**
   * Opens an O_TMPFILE file in argv[1] (O_EXCL too when argv[4] is "excl"; linked by {@code
   * linkat(fd, "", ..., AT_EMPTY_PATH)} rather than through /proc when it is "empty"), writes
   * argv[3] bytes to it, reads them back, fsyncs, prints its link count, then links it at argv[2]
   * through /proc/self/fd unless argv[2] is "-", and prints what the link did. With argv[5] "hold",
   * it prints "held" and keeps the file open until its stdin closes.
   */
  private static final String HELPER =
      String.join(
          "\n",
          "import ctypes, os, sys",
          "libc = ctypes.CDLL(None, use_errno=True)",
          "d, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])",
          "flags = os.O_TMPFILE | os.O_RDWR | (os.O_EXCL if sys.argv[4] == 'excl' else 0)",
          "fd = os.open(d, flags, 0o640)",
          "data = bytes((i * 7 + i // 251) % 256 for i in range(n))",
          "os.write(fd, data)",
          "assert os.pread(fd, n, 0) == data, 'read back differs'",
          "os.fsync(fd)",
          "print('nlink', os.fstat(fd).st_nlink, 'size', os.fstat(fd).st_size)",
          "if target != '-':",
          "    src = ('/proc/self/fd/%d' % fd).encode()",
          "    AT_FDCWD, AT_SYMLINK_FOLLOW = -100, 0x400",
          "    if sys.argv[4] == 'empty':",
          "        r = libc.linkat(fd, b'', AT_FDCWD, target.encode(), 0x1000)",
          "    else:",
          "        r = libc.linkat(AT_FDCWD, src, AT_FDCWD, target.encode(), AT_SYMLINK_FOLLOW)",
          "    if r == 0:",
          "        print('linked')",
          "    else:",
          "        print('link', os.strerror(ctypes.get_errno()))",
          "    os.write(fd, b'+after')",
          "if sys.argv[5] == 'hold':",
          "    print('held', flush=True)",
          "    sys.stdin.read()",
          "os.close(fd)",
          "");

  @TempDir Path dir;
  MountedSnapshot m;
  Path helper;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @BeforeEach
  void mount() throws Exception {
    m = MountedSnapshot.open(dir);
    helper = Files.writeString(dir.resolve("tmpfile.py"), HELPER);
  }

  @AfterEach
  void unmount() throws Exception {
    m.close();
  }

  private String tmpfile(String in, String target, int size, String excl) throws Exception {
    return ok("python3 " + helper + " " + in + " " + target + " " + size + " " + excl + " -");
  }

  private static byte[] expected(int n, String tail) {
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[n + t.length];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * 7 + i / 251) % 256);
    }
    System.arraycopy(t, 0, b, n, t.length);
    return b;
  }

  /** The view's root, hidden names included: what the store holds. */
  private List<String> stored() throws IOException {
    return m.mount.view().list("/").stream().map(DirEntry::name).toList();
  }

  private void awaitNothingHidden() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (stored().stream().anyMatch(n -> n.startsWith(HeldUnlinked.PREFIX))) {
      assertThat(System.nanoTime()).as("a hidden file outlived its node").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void anOTmpfileFileIsWrittenReadAndNamedByLinkat() throws Exception {
    Files.createDirectories(m.path("d"));
    int size = 300_000;
    String out = tmpfile(m.path("d").toString(), m.path("d/named").toString(), size, "-");
    assertThat(out).isEqualTo("nlink 0 size " + size + "\nlinked\n");
    // Written after the link too, through the same descriptor: one file.
    assertThat(Files.readAllBytes(m.path("d/named"))).isEqualTo(expected(size, "+after"));
    assertThat(Files.getAttribute(m.path("d/named"), "unix:nlink")).isEqualTo(1);
    assertThat(ok("ls -a " + m.path("d"))).isEqualTo(".\n..\nnamed\n");
    assertThat(stored()).containsExactly("d");

    ok("sync " + m.path("d/named"));
    m.reopen();
    assertThat(Files.readAllBytes(m.path("d/named"))).isEqualTo(expected(size, "+after"));
    assertThat(ok("stat -c %a " + m.path("d/named"))).isEqualTo("640\n");
    assertThat(m.engine.fsck().clean()).isTrue();
  }

  /** linkat(fd, "", dirfd, name, AT_EMPTY_PATH) is a LINK as well (root may use it). */
  @Test
  void anOTmpfileFileIsNamedByLinkatOfItsDescriptor() throws Exception {
    String out = tmpfile(m.mountPoint.toString(), m.path("by-fd").toString(), 1000, "empty");
    assertThat(out).isEqualTo("nlink 0 size 1000\nlinked\n");
    assertThat(Files.readAllBytes(m.path("by-fd"))).isEqualTo(expected(1000, "+after"));
    assertThat(stored()).containsExactly("by-fd");
  }

  @Test
  void anUnnamedOTmpfileFileLeavesNothingWhenClosed() throws Exception {
    Files.writeString(m.path("kept"), "kept");
    ok("sync " + m.path("kept"));
    List<Change> before = m.driver().diff(MountedSnapshot.KEY, null);
    // fsynced: its 3 MB reach the store, under a hidden name, before it is closed.
    assertThat(tmpfile(m.mountPoint.toString(), "-", 3_000_000, "-"))
        .isEqualTo("nlink 0 size 3000000\n");
    awaitNothingHidden();
    assertThat(ok("ls -a " + m.mountPoint)).isEqualTo(".\n..\nkept\n");
    ok("sync " + m.mountPoint);
    assertThat(m.driver().diff(MountedSnapshot.KEY, null)).isEqualTo(before);
    assertThat(m.engine.gc().bytesReclaimed())
        .as("the closed file's data is unreferenced")
        .isPositive();
    assertThat(m.engine.fsck().clean()).isTrue();
  }

  @Test
  void anOTmpfileExclFileCannotBeLinked() throws Exception {
    String out = tmpfile(m.mountPoint.toString(), m.path("named").toString(), 10, "excl");
    assertThat(out).isEqualTo("nlink 0 size 10\nlink No such file or directory\n");
    assertThat(Files.exists(m.path("named"))).isFalse();
    awaitNothingHidden();
  }

  /**
   * The server halted (as at a crash or a stop past its grace) while an O_TMPFILE file is open and
   * synced: the restarted mount shows nothing of it and the store frees its data.
   */
  @Test
  void anOTmpfileFileOpenWhenTheServerStopsIsGoneAfterTheRestart() throws Exception {
    Process holder =
        new ProcessBuilder(
                "python3", helper.toString(), m.mountPoint.toString(), "-", "2000000", "-", "hold")
            .redirectErrorStream(true)
            .start();
    try {
      InputStream in = holder.getInputStream();
      StringBuilder said = new StringBuilder();
      while (!said.toString().contains("held")) {
        int c = in.read();
        assertThat(c).as("the helper ended: %s", said).isNotNegative();
        said.append((char) c);
      }
      assertThat(stored()).as("held under a hidden name").hasSize(1);
      m.mount.fs().halt();
      m.reopen();
      assertThat(stored()).isEmpty();
      assertThat(ok("ls -a " + m.mountPoint)).isEqualTo(".\n..\n");
      assertThat(m.driver().diff(MountedSnapshot.KEY, null)).isEmpty();
      ok("sync " + m.mountPoint);
      assertThat(m.engine.gc().bytesReclaimed()).isPositive();
      assertThat(m.engine.fsck().clean()).isTrue();
    } finally {
      holder.getOutputStream().close();
      holder.waitFor(30, TimeUnit.SECONDS);
      holder.destroyForcibly();
    }
  }
}

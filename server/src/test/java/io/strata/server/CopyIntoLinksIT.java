package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata cp} into a container through a real stratad and the real CLI, as {@code docker cp}:
 * a destination symlink is followed inside the container's root, so a merged-/usr image's {@code
 * /bin -> usr/bin} receives into {@code /usr/bin} and stays a link (F2, session 17); {@code cp -
 * C:DEST} needs an existing directory DEST and says so, naming it (F24).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CopyIntoLinksIT {
  @TempDir static Path dir;
  private static TestServer server;
  private static Path mytool;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base"));
    Files.createDirectories(base.resolve("usr/bin"));
    Files.writeString(base.resolve("usr/bin/sh"), "#!sh\n");
    Files.createSymbolicLink(base.resolve("bin"), Path.of("usr/bin"));
    Files.createDirectories(base.resolve("olddir"));
    Files.writeString(base.resolve("olddir/a"), "old a\n");
    ok("image", "import", base.toString(), "-t", "merged:1");
    mytool = dir.resolve("mytool");
    Files.writeString(mytool, "#!/bin/sh\necho hi\n");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static TestServer.CliRun run(String... args) {
    return server.cli(args);
  }

  private static TestServer.CliRun ok(String... args) {
    TestServer.CliRun r = run(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private static String out(String... args) {
    return new String(ok(args).stdout(), StandardCharsets.UTF_8);
  }

  private static TestServer.CliRun cpStdin(byte[] tar, String dest) {
    return server.cli(Map.of(), new ByteArrayInputStream(tar), "cp", "-", dest);
  }

  /** {@code tar -cf - .} of a directory holding {@code a/one} and {@code two}. */
  private static byte[] dotTar() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      for (String d : new String[] {"./", "./a/"}) {
        t.putArchiveEntry(new TarArchiveEntry(d));
        t.closeArchiveEntry();
      }
      for (String[] f : new String[][] {{"./a/one", "1\n"}, {"./two", "2\n"}}) {
        TarArchiveEntry e = new TarArchiveEntry(f[0]);
        e.setSize(f[1].length());
        t.putArchiveEntry(e);
        t.write(f[1].getBytes(StandardCharsets.UTF_8));
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  @Test
  void aDestinationSymlinkIsFollowedInsideTheContainerAsDockerCpDoes() throws Exception {
    ok("create", "--name", "deb1", "merged:1");
    ok("cp", mytool.toString(), "deb1:/bin");
    assertThat(out("fs", "deb1", "stat", "/bin")).contains("/bin -> usr/bin").contains("symlink");
    assertThat(out("fs", "deb1", "cat", "/usr/bin/mytool")).isEqualTo("#!/bin/sh\necho hi\n");
    ok("cp", mytool.toString(), "deb1:/bin/renamed");
    assertThat(out("fs", "deb1", "cat", "/usr/bin/renamed")).startsWith("#!/bin/sh");

    ok("fs", "deb1", "ln", "-s", "/olddir", "/linkdir");
    ok("fs", "deb1", "ln", "-s", "olddir/a", "/linkfile");
    Path newfile = dir.resolve("newfile");
    Files.writeString(newfile, "new\n");
    ok("cp", newfile.toString(), "deb1:/linkdir/");
    assertThat(out("fs", "deb1", "cat", "/olddir/newfile")).isEqualTo("new\n");
    ok("cp", newfile.toString(), "deb1:/linkfile");
    assertThat(out("fs", "deb1", "cat", "/olddir/a")).isEqualTo("new\n");
    assertThat(out("fs", "deb1", "stat", "/linkfile")).contains("/linkfile -> olddir/a");

    // SRC/. into the link: the content lands in /usr/bin, not a copy of the directory
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("k1"), "k1\n");
    ok("cp", src + "/.", "deb1:/bin");
    assertThat(out("fs", "deb1", "cat", "/usr/bin/k1")).isEqualTo("k1\n");
    assertThat(run("fs", "deb1", "stat", "/usr/bin/src").code()).isEqualTo(4);
    assertThat(out("fs", "deb1", "stat", "/bin")).contains("/bin -> usr/bin");
    // and to a new name, as before
    ok("cp", src + "/.", "deb1:/made");
    assertThat(out("fs", "deb1", "cat", "/made/k1")).isEqualTo("k1\n");
  }

  @Test
  void aTarFromStandardInputGoesIntoAnExistingDirectoryNamedInTheError() throws Exception {
    ok("create", "--name", "own", "merged:1");
    byte[] tar = dotTar();
    TestServer.CliRun missing = cpStdin(tar, "own:/newdest");
    assertThat(missing.code()).as(missing.stderr()).isEqualTo(4);
    assertThat(missing.stderr())
        .contains("destination directory /newdest does not exist in the container")
        .contains("existing directory")
        .doesNotContain("/one");
    TestServer.CliRun file = cpStdin(tar, "own:/olddir/a");
    assertThat(file.code()).as(file.stderr()).isEqualTo(1);
    assertThat(file.stderr()).contains("destination /olddir/a is not a directory");
    assertThat(out("fs", "own", "cat", "/olddir/a")).isEqualTo("old a\n");
    assertThat(out("diff", "own")).isEmpty();

    ok("fs", "own", "mkdir", "/into");
    assertThat(cpStdin(tar, "own:/into").code()).isZero();
    assertThat(out("fs", "own", "cat", "/into/a/one")).isEqualTo("1\n");
    assertThat(out("fs", "own", "cat", "/into/two")).isEqualTo("2\n");
    assertThat(cpStdin(tar, "own:/bin").code()).isZero();
    assertThat(out("fs", "own", "cat", "/usr/bin/two")).isEqualTo("2\n");
    assertThat(out("fs", "own", "stat", "/bin")).contains("/bin -> usr/bin");
  }
}

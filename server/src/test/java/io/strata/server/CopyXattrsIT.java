package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes, file capabilities first, through a real stratad and the real CLI (F9, F10,
 * session 17): {@code strata cp} keeps them into a container and out of it, and {@code strata image
 * import DIR} and {@code strata build}'s {@code COPY} keep them as a {@code tar --xattrs} of the
 * same directory does, in the same layer. Runs as root, as CI does (setting {@code
 * security.capability} needs it); the attributes are set with setfattr (package attr).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CopyXattrsIT {
  /** cap_setuid and cap_net_raw, version 2: bytes 0x80 and 0x00, which UTF-8 text mangles. */
  private static final String CAP = "0100000280200000000000000000000000000000";

  private static final String USER = "00ff0a3d"; // NUL, a byte that is no UTF-8, '\n', '='

  @TempDir static Path dir;
  private static TestServer server;
  private static Path capsrc;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "base\n");
    ok("image", "import", base.getParent().toString(), "-t", "xa-base:1");
    capsrc = Files.writeString(dir.resolve("capsrc"), "#!/bin/sh\necho ping\n");
    sh("chmod 755 " + capsrc);
    sh("setfattr -n security.capability -v 0x" + CAP + " " + capsrc);
    sh("setfattr -n user.k -v 0x" + USER + " " + capsrc);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static TestServer.CliRun ok(String... args) {
    TestServer.CliRun r = server.cli(args);
    assertThat(r.code()).as("strata %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r;
  }

  private static String sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
    return out;
  }

  /** Copies {@code container:path} out to the host and checks both attributes came with it. */
  private static void assertCopiedOutWithXattrs(String container, String path) throws Exception {
    Path out = dir.resolve("out-" + container);
    ok("cp", container + ":" + path, out.toString());
    String attrs = sh("getfattr -d -m - -e hex " + out);
    assertThat(attrs).contains("security.capability=0x" + CAP, "user.k=0x" + USER);
    assertThat(out).hasContent("#!/bin/sh\necho ping");
  }

  /** The raw bytes of a SCHILY.xattr record, as the tar cp writes to stdout must hold them. */
  private static boolean holdsRecord(byte[] tar, String name, String hex) {
    byte[] key = ("SCHILY.xattr." + name + "=").getBytes(StandardCharsets.US_ASCII);
    byte[] value = HexFormat.of().parseHex(hex);
    byte[] want = new byte[key.length + value.length + 1];
    System.arraycopy(key, 0, want, 0, key.length);
    System.arraycopy(value, 0, want, key.length, value.length);
    want[want.length - 1] = '\n';
    outer:
    for (int i = 0; i + want.length <= tar.length; i++) {
      for (int k = 0; k < want.length; k++) {
        if (tar[i + k] != want[k]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String layers(String image) {
    Matcher m =
        Pattern.compile("\"Layers\"\\s*:\\s*\\[([^]]*)]")
            .matcher(ok("image", "inspect", image).out());
    assertThat(m.find()).as("Layers of %s", image).isTrue();
    return m.group(1).strip();
  }

  @Test
  void cpKeepsCapabilitiesAndUserAttributesIntoTheContainerAndOut() throws Exception {
    ok("create", "--name", "capin", "xa-base:1");
    ok("cp", capsrc.toString(), "capin:/capsrc");
    byte[] tar = ok("cp", "capin:/capsrc", "-").stdout();
    assertThat(holdsRecord(tar, "security.capability", CAP)).as("the container holds it").isTrue();
    assertThat(holdsRecord(tar, "user.k", USER)).isTrue();
    assertCopiedOutWithXattrs("capin", "/capsrc");
  }

  /** A volume is a host directory, whose files keep no xattrs: they are dropped, as Docker does. */
  @Test
  void cpIntoAVolumeDropsThemAndCopiesTheFile() throws Exception {
    ok("create", "--name", "capvol", "-v", "xavol:/vol", "xa-base:1");
    ok("cp", capsrc.toString(), "capvol:/vol/capsrc");
    assertThat(ok("fs", "capvol", "cat", "/vol/capsrc").out()).isEqualTo("#!/bin/sh\necho ping\n");
  }

  @Test
  void aDirectoryImportAndABuildsCopyKeepThemAsATarOfTheDirectoryDoes() throws Exception {
    Path capdir = Files.createDirectories(dir.resolve("capdir"));
    sh("cp -a " + capsrc + " " + capdir);
    ok("image", "import", capdir.toString(), "-t", "capdir:1");
    ok("create", "--name", "capd", "capdir:1");
    assertCopiedOutWithXattrs("capd", "/capsrc");

    Path tarFile = dir.resolve("capdir.tar");
    sh("tar --xattrs --xattrs-include='*' -C " + capdir + " -cf " + tarFile + " capsrc");
    ok("image", "import", tarFile.toString(), "-t", "captar:1");
    assertThat(layers("captar:1")).as("one layer either way").isEqualTo(layers("capdir:1"));

    Path ctx = Files.createDirectories(dir.resolve("capctx"));
    sh("cp -a " + capsrc + " " + ctx);
    Files.writeString(ctx.resolve("Dockerfile"), "FROM xa-base:1\nCOPY capsrc /capsrc\n");
    ok("build", "-t", "capb:1", ctx.toString());
    ok("create", "--name", "capbc", "capb:1");
    assertCopiedOutWithXattrs("capbc", "/capsrc");
  }
}

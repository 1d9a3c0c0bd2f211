package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A character device and a FIFO copied with {@code strata cp} into a container's named volume and
 * back out, through a real stratad and the real CLI: the volume's directory on the host holds real
 * nodes with their numbers, modes, owners and times, and the tar {@code cp} gives back records them
 * as docker cp does. Runs as root (CI does), since mknod of a device needs CAP_MKNOD. The FIFO has
 * no writer: a server that opened it would hang until the deadline.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VolumeNodesIT {
  private static final long MTIME_SECONDS = 1_600_000_000L;

  @TempDir static Path dir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("hostname"), "base\n");
    ok("image", "import", base.getParent().toString(), "-t", "nodes-base:1");
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

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
  }

  @Test
  void aDeviceAndAFifoGoIntoAVolumeAndBackOutKeepingTypeModeOwnerAndTime() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/nodes"));
    run("mknod", "-m", "0640", src.resolve("null").toString(), "c", "1", "3");
    run("mkfifo", "-m", "0604", src.resolve("pipe").toString());
    for (String n : new String[] {"null", "pipe"}) {
      run("chown", "-h", "1234:5678", src.resolve(n).toString());
      // not Files.setLastModifiedTime: the JDK opens the file to set its times, and a FIFO's open
      // waits for a writer
      run("touch", "-h", "-d", "@" + MTIME_SECONDS, src.resolve(n).toString());
    }
    ok("create", "--name", "nodes", "-v", "nodevol:/vol", "nodes-base:1");
    ok("cp", src.toString(), "nodes:/vol");

    JsonNode vol = Json.tree(ok("--json", "volume", "inspect", "nodevol").stdout(), "inspect");
    Path data = Path.of(vol.get("mountpoint").asText()).resolve("nodes");
    Map<String, Object> dev =
        Files.readAttributes(
            data.resolve("null"),
            "unix:mode,rdev,uid,gid,lastModifiedTime",
            LinkOption.NOFOLLOW_LINKS);
    assertThat(Integer.toOctalString((Integer) dev.get("mode"))).isEqualTo("20640");
    assertThat((Long) dev.get("rdev")).isEqualTo((1L << 8) | 3);
    assertThat(dev.get("uid")).isEqualTo(1234);
    assertThat(dev.get("gid")).isEqualTo(5678);
    assertThat(((FileTime) dev.get("lastModifiedTime")).to(TimeUnit.SECONDS))
        .isEqualTo(MTIME_SECONDS);
    Map<String, Object> fifo =
        Files.readAttributes(
            data.resolve("pipe"), "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    assertThat(Integer.toOctalString((Integer) fifo.get("mode"))).isEqualTo("10604");
    assertThat(fifo.get("uid")).isEqualTo(1234);
    assertThat(((FileTime) fifo.get("lastModifiedTime")).to(TimeUnit.SECONDS))
        .isEqualTo(MTIME_SECONDS);

    JsonNode stat =
        Json.tree(ok("--json", "fs", "nodes", "stat", "/vol/nodes/null").stdout(), "stat");
    assertThat(stat.get("uid").asInt()).isEqualTo(1234);
    assertThat(stat.get("gid").asInt()).isEqualTo(5678);

    Map<String, TarArchiveEntry> out = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new ByteArrayInputStream(ok("cp", "nodes:/vol/nodes", "-").stdout()))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        out.put(e.getName(), e);
      }
    }
    TarArchiveEntry null3 = out.get("nodes/null");
    assertThat(null3).as("entries: %s", out.keySet()).isNotNull();
    assertThat(null3.isCharacterDevice()).isTrue();
    assertThat(null3.getDevMajor()).isEqualTo(1);
    assertThat(null3.getDevMinor()).isEqualTo(3);
    assertThat(null3.getMode() & 07777).isEqualTo(0640);
    assertThat(null3.getLongUserId()).isEqualTo(1234);
    assertThat(null3.getLongGroupId()).isEqualTo(5678);
    assertThat(null3.getModTime().getTime() / 1000).isEqualTo(MTIME_SECONDS);
    TarArchiveEntry pipe = out.get("nodes/pipe");
    assertThat(pipe.isFIFO()).isTrue();
    assertThat(pipe.getMode() & 07777).isEqualTo(0604);
    assertThat(pipe.getLongUserId()).isEqualTo(1234);
    assertThat(pipe.getModTime().getTime() / 1000).isEqualTo(MTIME_SECONDS);
  }

  @Test
  void aDeviceAndAFifoCopiedOutToTheHostAreMadeAsNodesWithTheirNumbersModesAndTimes()
      throws Exception {
    ok("create", "--name", "out", "nodes-base:1");
    Path src = Files.createDirectories(dir.resolve("src2/dev"));
    run("mknod", "-m", "0620", src.resolve("tty9").toString(), "c", "4", "9");
    run("mknod", "-m", "0660", src.resolve("loop7").toString(), "b", "7", "7");
    run("mkfifo", "-m", "0600", src.resolve("fifo").toString());
    for (String n : new String[] {"tty9", "loop7", "fifo"}) {
      run("touch", "-h", "-d", "@" + MTIME_SECONDS, src.resolve(n).toString());
    }
    ok("cp", src.toString(), "out:/");

    Path to = dir.resolve("copied");
    ok("cp", "out:/dev", to.toString());
    Map<String, Object> tty =
        Files.readAttributes(
            to.resolve("tty9"), "unix:mode,rdev,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    assertThat(Integer.toOctalString((Integer) tty.get("mode"))).isEqualTo("20620");
    assertThat((Long) tty.get("rdev")).isEqualTo((4L << 8) | 9);
    assertThat(((FileTime) tty.get("lastModifiedTime")).to(TimeUnit.SECONDS))
        .isEqualTo(MTIME_SECONDS);
    Map<String, Object> loop =
        Files.readAttributes(to.resolve("loop7"), "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    assertThat(Integer.toOctalString((Integer) loop.get("mode"))).isEqualTo("60660");
    assertThat((Long) loop.get("rdev")).isEqualTo((7L << 8) | 7);
    Map<String, Object> fifo =
        Files.readAttributes(
            to.resolve("fifo"), "unix:mode,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    // mode 0600 exactly, whatever the umask; the FIFO was never opened (no writer: it would hang)
    assertThat(Integer.toOctalString((Integer) fifo.get("mode"))).isEqualTo("10600");
    assertThat(((FileTime) fifo.get("lastModifiedTime")).to(TimeUnit.SECONDS))
        .isEqualTo(MTIME_SECONDS);
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.tar.TreeTar;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance scenario 40 (containers) against a real stratad, through the real CLI, on both
 * drivers: extent- and record-level copy-on-write, diff, ps, commit with whiteouts, export,
 * volumes, bind mounts and the escapes they refuse, cp both ways, fs operations, rm, fsck. One
 * server per driver; each test uses its own container names.
 */
class ContainersIT {
  private static final int BIG = 8 << 20;
  private static final int PATCH_AT = 1 << 20;

  @TempDir static Path dir;

  private static byte[] big;
  private static byte[] patch;
  private static byte[] patched;
  private static Path base;

  @BeforeAll
  static void content() throws IOException {
    big = TestData.random(40, BIG);
    patch = TestData.random(41, 4096);
    patched = big.clone();
    System.arraycopy(patch, 0, patched, PATCH_AT, patch.length);
    base = dir.resolve("base");
    Files.createDirectories(base.resolve("data"));
    Files.createDirectories(base.resolve("etc"));
    Files.write(base.resolve("data/big.bin"), big);
    Files.writeString(base.resolve("etc/keep.conf"), "keep me\n");
    Files.writeString(base.resolve("etc/gone.conf"), "delete me\n");
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
  }

  /** btrfs: byte-range extents, 4 KiB granularity. */
  @Nested
  class Btrfs extends Scenario {
    Btrfs() {
      super("btrfs", 96 << 10, 4096);
    }
  }

  /** zfs: whole 128 KiB records. */
  @Nested
  class Zfs extends Scenario {
    Zfs() {
      super("zfs", 512 << 10, 120 << 10);
    }
  }

  /** The scenario on one driver; the bounds on what a 4 KiB write may store allow tree metadata. */
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  abstract class Scenario {
    private final String driver;
    private final long maxGrowth;
    private final long minGrowth;
    private TestServer server;
    private Path host;

    Scenario(String driver, long maxGrowth, long minGrowth) {
      this.driver = driver;
      this.maxGrowth = maxGrowth;
      this.minGrowth = minGrowth;
    }

    @BeforeAll
    void start() throws Exception {
      Path root = Files.createDirectories(dir.resolve(driver));
      host = Files.createDirectories(root.resolve("host"));
      server = TestServer.start(root.resolve("data"), driver, List.of(host));
      ok("image", "import", base.toString(), "-t", "base:1");
    }

    @AfterAll
    void stop() {
      if (server != null) {
        server.close();
      }
    }

    private TestServer.CliRun ok(String... args) {
      return check(0, args);
    }

    private TestServer.CliRun check(int code, String... args) {
      TestServer.CliRun r = server.cli(args);
      assertThat(r.code())
          .as("%s: strata %s: %s", driver, String.join(" ", args), r.stderr())
          .isEqualTo(code);
      return r;
    }

    private TestServer.CliRun in(byte[] stdin, String... args) {
      return server.cli(Map.of(), new ByteArrayInputStream(stdin), args);
    }

    private JsonNode json(String... args) throws IOException {
      String[] all = new String[args.length + 1];
      all[0] = "--json";
      System.arraycopy(args, 0, all, 1, args.length);
      return Json.tree(ok(all).stdout(), "strata output");
    }

    private byte[] cat(String container, String path) {
      return ok("fs", container, "cat", path).stdout();
    }

    private long stored() throws IOException {
      return json("info").get("storedBytes").asLong();
    }

    private JsonNode container(String name) throws IOException {
      for (JsonNode row : json("ps", "-a")) {
        if (row.get("name").asText().equals(name)) {
          return row;
        }
      }
      return null;
    }

    @Test
    void aSmallWriteIntoABigFileStoresAboutItsExtentsOrRecords() throws Exception {
      String id = ok("create", "--name", "cow", "base:1").out().trim();
      assertThat(id).matches("[0-9a-f]{64}");
      assertThat(cat("cow", "/data/big.bin")).isEqualTo(big);

      long before = stored();
      TestServer.CliRun w =
          in(patch, "fs", "cow", "write", "/data/big.bin", "--offset", Integer.toString(PATCH_AT));
      assertThat(w.code()).as(w.stderr()).isZero();
      long growth = stored() - before;
      assertThat(growth)
          .as("%s: a 4 KiB write into an 8 MiB file stores %d bytes", driver, growth)
          .isBetween(minGrowth, maxGrowth);
      assertThat(cat("cow", "/data/big.bin")).isEqualTo(patched);

      ok("create", "--name", "cow-other", "base:1");
      assertThat(cat("cow-other", "/data/big.bin")).as("another container").isEqualTo(big);
    }

    @Test
    void diffCommitAndExportCarryTheChanges() throws Exception {
      ok("create", "--name", "chg", "base:1");
      assertThat(in(patch, "fs", "chg", "write", "/data/big.bin", "--offset", "1048576").code())
          .isZero();
      assertThat(
              in(
                      "new file\n".getBytes(StandardCharsets.UTF_8),
                      "fs",
                      "chg",
                      "write",
                      "/etc/new.conf")
                  .code())
          .isZero();
      ok("fs", "chg", "rm", "/etc/gone.conf");

      Set<String> changes = new HashSet<>();
      json("diff", "chg")
          .forEach(c -> changes.add(c.get("kind").asText() + " " + c.get("path").asText()));
      assertThat(changes).contains("C /data/big.bin", "A /etc/new.conf", "D /etc/gone.conf");
      assertThat(ok("diff", "chg").out().lines()).contains("A /etc/new.conf", "D /etc/gone.conf");

      JsonNode row = container("chg");
      assertThat(row.get("size").asLong()).isPositive().isLessThan(1 << 20);
      assertThat(row.get("virtualSize").asLong()).isGreaterThanOrEqualTo(BIG);
      assertThat(row.get("image").asText()).isEqualTo("base:1");
      String table = ok("ps").out();
      assertThat(table).startsWith("CONTAINER ID").contains("VIRTUAL");
      assertThat(table).containsPattern("(?m)^" + row.get("id").asText().substring(0, 12) + " ");

      String imageId = ok("commit", "chg", "committed:1").out().trim();
      assertThat(imageId).matches("sha256:[0-9a-f]{64}");
      ok("create", "--name", "from-commit", "committed:1");
      assertThat(cat("from-commit", "/data/big.bin")).isEqualTo(patched);
      assertThat(cat("from-commit", "/etc/new.conf"))
          .isEqualTo("new file\n".getBytes(StandardCharsets.UTF_8));
      check(4, "fs", "from-commit", "cat", "/etc/gone.conf");

      Path layout = dir.resolve(driver + "-oci");
      ok("image", "export", "committed:1", "-o", layout.toString(), "--format", "oci");
      assertThat(topLayerNames(layout)).contains("etc/.wh.gone.conf");

      Path tar = dir.resolve(driver + "-from-commit.tar");
      ok("export", "from-commit", "-o", tar.toString());
      Map<String, byte[]> files = files(Files.newInputStream(tar));
      assertThat(files.get("data/big.bin")).isEqualTo(patched);
      assertThat(files).containsKey("etc/keep.conf").doesNotContainKey("etc/gone.conf");
      assertThat(files(new ByteArrayInputStream(ok("export", "from-commit").stdout())))
          .as("export to standard output")
          .containsKey("etc/new.conf");
    }

    /** The entry names of the top layer of the OCI layout's first manifest. */
    private List<String> topLayerNames(Path layout) throws IOException {
      JsonNode index = Json.tree(Files.readAllBytes(layout.resolve("index.json")), "index");
      JsonNode manifest =
          Json.tree(Files.readAllBytes(blob(layout, index.get("manifests").get(0))), "manifest");
      JsonNode layers = manifest.get("layers");
      Path top = blob(layout, layers.get(layers.size() - 1));
      byte[] bytes = Files.readAllBytes(top);
      InputStream in = new ByteArrayInputStream(bytes);
      if (bytes.length > 1 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
        in = new GZIPInputStream(in);
      }
      return new ArrayList<>(files(in).keySet());
    }

    private Path blob(Path layout, JsonNode descriptor) {
      return layout.resolve("blobs").resolve(descriptor.get("digest").asText().replace(':', '/'));
    }

    @Test
    void volumesOutliveTheirContainers() throws Exception {
      ok("create", "--name", "db", "-v", "vol1:/var/lib/db", "base:1");
      assertThat(
              in(
                      "row 1\n".getBytes(StandardCharsets.UTF_8),
                      "fs",
                      "db",
                      "write",
                      "/var/lib/db/table")
                  .code())
          .isZero();
      JsonNode vol = json("volume", "inspect", "vol1");
      assertThat(vol.get("name").asText()).isEqualTo("vol1");
      assertThat(vol.get("inUse").asBoolean()).isTrue();
      Path mountpoint = Path.of(vol.get("mountpoint").asText());
      assertThat(mountpoint).endsWith(Path.of("volumes", "vol1", "_data"));
      assertThat(mountpoint.resolve("table")).hasContent("row 1");
      assertThat(ok("diff", "db").out()).doesNotContain("/var/lib/db/table");

      TestServer.CliRun refused = check(1, "volume", "rm", "vol1");
      assertThat(refused.stderr()).startsWith("strata: ").contains("vol1");
      assertThat(ok("rm", "db").out()).isEqualTo("db\n");
      assertThat(mountpoint.resolve("table")).hasContent("row 1");

      ok("create", "--name", "db2", "--mount", "type=volume,source=vol1,target=/db", "base:1");
      assertThat(cat("db2", "/db/table")).isEqualTo("row 1\n".getBytes(StandardCharsets.UTF_8));

      JsonNode listed = json("volume", "ls");
      assertThat(listed.findValuesAsText("name")).contains("vol1");
      assertThat(listed.get(0).has("size")).isTrue();
      assertThat(ok("volume", "ls").out()).startsWith("VOLUME NAME").contains("vol1");

      assertThat(ok("volume", "create", "spare").out()).isEqualTo("spare\n");
      JsonNode df = json("system", "df");
      assertThat(df.get("volumes").get("total").asLong()).isGreaterThanOrEqualTo(2);
      assertThat(df.get("volumes").get("active").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(df.get("containers").get("total").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(ok("system", "df", "-v").out())
          .contains("Containers space usage:")
          .contains("Local Volumes space usage:");
      assertThat(json("volume", "prune", "-f").get("removed").toString())
          .as("named volumes stay without -a")
          .doesNotContain("spare");
      JsonNode pruned = json("volume", "prune", "-f", "-a");
      assertThat(pruned.get("removed").toString()).contains("spare").doesNotContain("vol1");
      check(4, "volume", "inspect", "spare");
      check(2, "volume", "prune");
    }

    @Test
    void bindMountsWriteThroughOnlyInsideTheirSource() throws Exception {
      ok("create", "--name", "bind", "-v", host + ":/mnt", "base:1");
      assertThat(
              in(
                      "hello host\n".getBytes(StandardCharsets.UTF_8),
                      "fs",
                      "bind",
                      "write",
                      "/mnt/y.txt")
                  .code())
          .isZero();
      assertThat(host.resolve("y.txt")).hasContent("hello host");

      ok(
          "create",
          "--name",
          "bind-ro",
          "--mount",
          "type=bind,source=" + host + ",target=/h,readonly",
          "base:1");
      TestServer.CliRun refused = in(new byte[] {'x'}, "fs", "bind-ro", "write", "/h/z.txt");
      assertThat(refused.code()).isNotZero();
      assertThat(refused.stderr())
          .as("the container path as written, not the mount's /z.txt")
          .matches(
              "strata: container bind-ro \\([0-9a-f]{12}\\): bind mount "
                  + java.util.regex.Pattern.quote(host.toString())
                  + " at /h is read-only: cannot change /h/z.txt\n");
      assertThat(host.resolve("z.txt")).doesNotExist();

      // docker's short form makes a missing source under --allow-bind; --mount refuses it
      ok("create", "--name", "bind-new", "-v", host + "/made/here:/m", "base:1");
      assertThat(host.resolve("made/here")).isDirectory();
      TestServer.CliRun absent =
          check(
              4,
              "create",
              "--name",
              "bind-absent",
              "--mount",
              "type=bind,source=" + host + "/absent,target=/a",
              "base:1");
      assertThat(absent.stderr()).contains(host + "/absent does not exist");
      assertThat(host.resolve("absent")).doesNotExist();

      TestServer.CliRun outside =
          check(1, "create", "--name", "bind-etc", "-v", "/etc:/hostetc", "base:1");
      assertThat(outside.stderr()).startsWith("strata: ").contains("/etc");

      Path parent = host.getParent();
      in(new byte[] {'x'}, "fs", "bind", "write", "/mnt/../../escape.txt");
      assertThat(parent.resolve("escape.txt")).doesNotExist();
      assertThat(Path.of("/escape.txt")).doesNotExist();

      Files.createSymbolicLink(host.resolve("up"), parent);
      try {
        TestServer.CliRun escape =
            in(new byte[] {'x'}, "fs", "bind", "write", "/mnt/up/escape2.txt");
        assertThat(escape.code()).isNotZero();
        assertThat(parent.resolve("escape2.txt")).doesNotExist();
      } finally {
        Files.delete(host.resolve("up"));
      }
    }

    @Test
    void cpCopiesBothWaysAsDockerCpDoes() throws Exception {
      ok("create", "--name", "cp", "base:1");
      Path ctx = Files.createDirectories(dir.resolve(driver + "-ctx/app/sub"));
      Files.writeString(ctx.getParent().resolve("a.txt"), "a\n");
      Files.writeString(ctx.resolve("b.txt"), "b\n");
      Files.createSymbolicLink(ctx.getParent().resolve("link"), Path.of("a.txt"));
      Path app = ctx.getParent();

      ok("cp", app.toString(), "cp:/data");
      assertThat(cat("cp", "/data/app/sub/b.txt")).isEqualTo(bytes("b\n"));
      assertThat(json("fs", "cp", "stat", "/data/app/link").get("linkTarget").asText())
          .isEqualTo("a.txt");
      ok("cp", app.toString(), "cp:/fresh");
      assertThat(cat("cp", "/fresh/a.txt")).isEqualTo(bytes("a\n"));
      ok("cp", app.resolve("a.txt").toString(), "cp:/etc/renamed.conf");
      assertThat(cat("cp", "/etc/renamed.conf")).isEqualTo(bytes("a\n"));
      ok("cp", app + "/.", "cp:/etc");
      assertThat(cat("cp", "/etc/sub/b.txt")).isEqualTo(bytes("b\n"));

      ByteArrayOutputStream tar = new ByteArrayOutputStream();
      Path stdinFile = Files.writeString(dir.resolve(driver + "-stdin.txt"), "from stdin\n");
      TreeTar.writeNamed(stdinFile, "stdin.txt", tar);
      assertThat(in(tar.toByteArray(), "cp", "-", "cp:/data").code()).isZero();
      assertThat(cat("cp", "/data/stdin.txt")).isEqualTo(bytes("from stdin\n"));

      Path out = dir.resolve(driver + "-out");
      ok("cp", "cp:/etc", out.toString());
      assertThat(out.resolve("keep.conf")).hasContent("keep me");
      assertThat(out.resolve("sub/b.txt")).hasContent("b");
      ok("cp", "cp:/data/big.bin", out.toString());
      assertThat(Files.readAllBytes(out.resolve("big.bin"))).isEqualTo(big);
      ok("cp", "cp:/data/app", out.toString());
      assertThat(Files.readSymbolicLink(out.resolve("app/link"))).isEqualTo(Path.of("a.txt"));
      ok("cp", "cp:/etc/keep.conf", out.resolve("copy.conf").toString());
      assertThat(out.resolve("copy.conf")).hasContent("keep me");

      Map<String, byte[]> streamed =
          files(new ByteArrayInputStream(ok("cp", "cp:/etc", "-").stdout()));
      assertThat(streamed).containsKey("etc/keep.conf").containsKey("etc/renamed.conf");

      check(4, "cp", "cp:/no/such", out.toString());
      check(1, "cp", "cp:/etc", out.resolve("copy.conf").toString());
      check(2, "cp", "cp:/etc", "other:/etc");
    }

    /**
     * A16: a host name that is not valid UTF-8 is refused whichever way it would enter a container,
     * naming its bytes, and the container is as it was: {@code cp} from a directory (a name, a
     * symlink target) and a bind mount listed. {@code café} is copied both ways.
     */
    @Test
    @Timeout(180)
    void namesThatAreNotUtf8AreRefusedAndCafeCopiedBothWays() throws Exception {
      ok("create", "--name", "utf8", "base:1");
      Path src = Files.createDirectories(dir.resolve(driver + "-utf8/n"));
      sh("cd " + src + " && printf x > \"$(printf 'caf\\303\\251')\"");
      sh("cd " + src + " && printf y > \"$(printf 'bad\\3771')\"");
      String why = "is not valid UTF-8 (Strata keeps file names as UTF-8)\n";
      String before = ok("fs", "utf8", "ls", "/").out();
      TestServer.CliRun r = server.cli("cp", src.toString(), "utf8:/n");
      assertThat(r.code()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr())
          .isEqualTo("strata: directory " + src + ": file \"bad\\xff1\": the name " + why);
      sh("rm " + src + "/bad* && ln -s \"$(printf 'caf\\303')\" " + src + "/l");
      r = server.cli("cp", src.toString(), "utf8:/n");
      assertThat(r.code()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr())
          .isEqualTo(
              "strata: directory " + src + ": file \"l\": the link target \"caf\\xc3\" " + why);
      assertThat(ok("fs", "utf8", "ls", "/").out()).isEqualTo(before);

      sh("rm " + src + "/l");
      ok("cp", src.toString(), "utf8:/n");
      assertThat(ok("fs", "utf8", "ls", "/n").out()).isEqualTo("caf\u00e9\n");
      Path out = Files.createDirectories(dir.resolve(driver + "-utf8/out"));
      ok("cp", "utf8:/n", out.toString());
      try (var listed = Files.list(out.resolve("n"))) {
        assertThat(listed.map(p -> p.getFileName().toString())).containsExactly("caf\u00e9");
      }

      // the server's own host: a bind mount's directory with such a name is not listed
      Path bound = Files.createDirectories(host.resolve("utf8"));
      sh("cd " + bound + " && printf x > \"$(printf 'bad\\3761')\"");
      ok("create", "--name", "utf8-bind", "-v", bound + ":/b", "base:1");
      r = server.cli("fs", "utf8-bind", "ls", "/b");
      assertThat(r.code()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr()).endsWith("file \"/bad\\xfe1\": the name " + why);
    }

    @Test
    void fsOperationsActInsideTheContainer() throws Exception {
      ok("create", "--name", "fs", "base:1");
      ok("fs", "fs", "mkdir", "-p", "/work/a/b");
      assertThat(ok("fs", "fs", "ls", "/work").out()).isEqualTo("a\n");
      assertThat(json("fs", "fs", "stat", "/work/a").get("type").asText()).isEqualTo("dir");
      ok("fs", "fs", "chmod", "0700", "/work/a");
      assertThat(json("fs", "fs", "stat", "/work/a").get("mode").asInt()).isEqualTo(0700);
      assertThat(ok("fs", "fs", "stat", "/work/a").out()).contains("Mode: 0700 (drwx------)");
      check(2, "fs", "fs", "chmod", "0x9", "/work/a");

      assertThat(in(bytes("hello"), "fs", "fs", "write", "/work/a/f.txt").code()).isZero();
      ok("fs", "fs", "ln", "-s", "f.txt", "/work/a/link");
      assertThat(json("fs", "fs", "stat", "/work/a/link").get("linkTarget").asText())
          .isEqualTo("f.txt");
      ok("fs", "fs", "ln", "/work/a/f.txt", "/work/a/hard");
      assertThat(json("fs", "fs", "stat", "/work/a/hard").get("nlink").asLong()).isEqualTo(2);
      assertThat(ok("fs", "fs", "ls", "-l", "/work/a").out())
          .contains("link -> f.txt")
          .containsPattern("(?m)^-rw")
          .containsPattern("(?m) \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}  f\\.txt$");
      JsonNode listing = json("fs", "fs", "ls", "/work/a");
      assertThat(listing.findValuesAsText("name")).containsExactly("b", "f.txt", "hard", "link");

      ok("fs", "fs", "mv", "/work/a/f.txt", "/work/a/g.txt");
      check(4, "fs", "fs", "cat", "/work/a/f.txt");
      ok("fs", "fs", "truncate", "-s", "2", "/work/a/g.txt");
      assertThat(cat("fs", "/work/a/g.txt")).isEqualTo(bytes("he"));
      assertThat(in(bytes("LL"), "fs", "fs", "write", "/work/a/g.txt", "--offset", "2").code())
          .isZero();
      assertThat(cat("fs", "/work/a/g.txt")).isEqualTo(bytes("heLL"));
      Path from = Files.writeString(dir.resolve(driver + "-from.txt"), "from a file");
      ok("fs", "fs", "write", "/work/a/from.txt", "--from", from.toString());
      assertThat(cat("fs", "/work/a/from.txt")).isEqualTo(bytes("from a file"));
      // a whole-file write keeps the inode: the other hard link sees it (issue #14 item 6)
      ok("fs", "fs", "ln", "/work/a/from.txt", "/work/a/from-link");
      Path again = Files.writeString(dir.resolve(driver + "-again.txt"), "again");
      ok("fs", "fs", "write", "/work/a/from.txt", "--from", again.toString());
      assertThat(cat("fs", "/work/a/from-link")).isEqualTo(bytes("again"));
      assertThat(json("fs", "fs", "stat", "/work/a/from-link").get("nlink").asLong()).isEqualTo(2);
      // rm without -r refuses a directory, even an empty one, as rm(1) does (item 7)
      check(1, "fs", "fs", "rm", "/work/a/b");
      assertThat(json("fs", "fs", "stat", "/work/a/b").get("type").asText()).isEqualTo("dir");

      assertThat(server.cli("fs", "fs", "rm", "/work").code()).isNotZero();
      ok("fs", "fs", "rm", "-r", "/work");
      check(4, "fs", "fs", "stat", "/work");
      check(4, "fs", "fs", "ls", "/no/such/dir");
      check(4, "fs", "no-such-container", "ls", "/");
    }

    @Test
    void rmRemovesTheWritableLayerAndNothingElse() throws Exception {
      ok("create", "--name", "gone1", "base:1");
      ok("create", "--name", "gone2", "-v", "/anon", "base:1");
      String anon = json("inspect", "gone2").get(0).get("Mounts").get(0).get("Name").asText();
      assertThat(json("inspect", "gone1").get(0).get("Name").asText()).isEqualTo("/gone1");
      assertThat(ok("inspect", "gone1").out()).startsWith("[");

      TestServer.CliRun r = server.cli("rm", "-f", "-v", "gone1", "no-such", "gone2");
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.out()).isEqualTo("gone1\ngone2\n");
      assertThat(r.stderr()).startsWith("strata: ").contains("no-such");
      assertThat(container("gone1")).isNull();
      assertThat(container("gone2")).isNull();
      check(4, "volume", "inspect", anon);
      check(4, "inspect", "gone1");
      check(4, "rm", "gone1");

      ok("create", "--name", "after-rm", "base:1");
      assertThat(cat("after-rm", "/etc/gone.conf")).isEqualTo(bytes("delete me\n"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void fsckIsCleanAfterAll() {
      ok("driver", "ls");
      ok("fsck");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The regular files and whiteouts of a tar by name (without a leading ./), with content. */
  private static Map<String, byte[]> files(InputStream in) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile()) {
          String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
          out.put(name, tar.readAllBytes());
        }
      }
    }
    return out;
  }
}

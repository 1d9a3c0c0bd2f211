package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.tar.TreeTar;
import io.strata.protocol.message.Json;
import io.strata.store.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance scenario 30 (images) against a real stratad, through the real CLI: imports of a
 * directory, a tar, an OCI layout and a docker-save archive; builds with a layer cache; sharing
 * figures; exports; hostile tars. One server for the class; each test uses its own names.
 */
class ImagesIT {
  private static final int TOOL = 2 << 20;
  private static final int BIG = 4 << 20;

  /** How a layer's temporary snapshot is named while it is built (LayerStore.TMP). */
  private static final String LAYER_TMP = "img-tmp-";

  @TempDir static Path dir;
  private static TestServer server;
  private static Path base;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    base = dir.resolve("base");
    Files.createDirectories(base.resolve("etc"));
    Files.createDirectories(base.resolve("usr/bin"));
    Files.createDirectories(base.resolve("usr/share/doc"));
    Files.writeString(base.resolve("etc/os-release"), "base-os 1.0\n");
    for (int i = 1; i <= 50; i++) {
      Files.write(base.resolve("usr/share/doc/f" + i + ".txt"), TestData.text(100 + i, 400));
    }
    Path tool = Files.write(base.resolve("usr/bin/tool"), TestData.random(7, TOOL));
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(base.resolve("usr/bin/tool-link"), Path.of("/usr/bin/tool"));
    Files.createLink(base.resolve("usr/bin/tool-hardlink"), tool);
    ok("image", "import", base.toString(), "-t", "base:1");
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

  private JsonNode json(String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = "--json";
    System.arraycopy(args, 0, all, 1, args.length);
    return Json.tree(ok(all).stdout(), "strata output");
  }

  private JsonNode layers(String image) throws Exception {
    return json("image", "inspect", image).get(0).get("RootFS").get("Layers");
  }

  private JsonNode listed(String repository, String tag) throws Exception {
    for (JsonNode row : json("image", "ls")) {
      if (row.get("repository").asText().equals(repository)
          && row.get("tag").asText().equals(tag)) {
        return row;
      }
    }
    throw new AssertionError(repository + ":" + tag + " is not listed");
  }

  private static void tar(Path from, Path to) throws Exception {
    Process p =
        new ProcessBuilder("tar", "-C", from.toString(), "-cf", to.toString(), ".")
            .redirectErrorStream(true)
            .start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void aDirectoryAndAGnuTarOfItGiveTheSameLayer() throws Exception {
    Tools.require("tar");
    assertThat(json("image", "ls").toString()).contains("\"base\"");
    Path tarFile = dir.resolve("base.tar");
    tar(base, tarFile);
    ok("image", "import", tarFile.toString(), "-t", "basetar:1");
    assertThat(layers("basetar:1")).isEqualTo(layers("base:1"));
  }

  @Test
  void buildsUseTheirCacheAndShareChunks() throws Exception {
    Path ctx = dir.resolve("ctx");
    Files.createDirectories(ctx);
    Files.writeString(ctx.resolve("a.txt"), "hello v1\n");
    Files.write(ctx.resolve("big.bin"), TestData.random(9, BIG));
    Files.writeString(
        ctx.resolve("Dockerfile"),
        "FROM base:1\nENV APP=demo\nCOPY a.txt /app/a.txt\nCOPY big.bin /app/big.bin\n"
            + "WORKDIR /app\nCMD [\"/app/run\"]\n");
    TestServer.CliRun first = ok("build", "-t", "app:1", ctx.toString());
    assertThat(first.out())
        .contains("Step 1/6 : FROM base:1")
        .containsPattern("(?m)^Successfully built [0-9a-f]{12}$")
        .contains("Successfully tagged app:1");
    TestServer.CliRun second = ok("build", "-t", "app:1", ctx.toString());
    assertThat(Pattern.compile("Using cache").matcher(second.out()).results().count())
        .isGreaterThanOrEqualTo(2);

    long before = stored();
    Files.writeString(ctx.resolve("a.txt"), "hello v2\n");
    TestServer.CliRun third = ok("build", "-t", "app:2", ctx.toString());
    for (String step : third.out().split("(?m)^Step ")) {
      if (step.lines().findFirst().orElse("").contains("COPY")) {
        assertThat(step)
            .as("a changed input rebuilds its step and the next")
            .doesNotContain("Using cache");
      }
    }
    assertThat(stored() - before).as("rebuilt layers share chunks").isLessThan(1 << 20);

    TestServer.CliRun history = ok("image", "history", "app:1");
    assertThat(history.out().lines().count()).isGreaterThanOrEqualTo(4);
    assertThat(history.out()).startsWith("LAYER").contains("COPY big.bin /app/big.bin");

    JsonNode app = listed("app", "1");
    assertThat(app.get("sharedSize").asLong()).isGreaterThanOrEqualTo(TOOL);
    assertThat(app.get("uniqueSize").asLong()).isLessThan(app.get("size").asLong());
    assertThat(ok("image", "ls").out()).startsWith("REPOSITORY").contains("IMAGE ID");

    JsonNode df = json("system", "df", "-v");
    assertThat(df.get("images").get("total").asLong()).isGreaterThanOrEqualTo(3);
    assertThat(df.get("containers").get("total").asLong()).isZero();
    assertThat(df.get("imageList").size()).isGreaterThanOrEqualTo(3);
    assertThat(ok("system", "df").out())
        .startsWith("TYPE")
        .contains("Images")
        .contains("Local Volumes");
  }

  private long stored() throws Exception {
    return json("info").get("storedBytes").asLong();
  }

  @Test
  void runIsRefusedAsAFailedOperation() throws Exception {
    Path ctx = dir.resolve("runctx");
    Files.createDirectories(ctx);
    Path dockerfile =
        Files.writeString(dir.resolve("Dockerfile.run"), "FROM base:1\nRUN echo hi\n");
    TestServer.CliRun r =
        server.cli("build", "-f", dockerfile.toString(), "-t", "bad:1", ctx.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr()).startsWith("strata: ").contains("RUN");
    assertThat(server.cli("image", "inspect", "bad:1").code()).isEqualTo(4);
  }

  @Test
  void ociExportsReimportWithTheirDiffIds() throws Exception {
    Path layout = dir.resolve("oci");
    ok("image", "export", "base:1", "-o", layout.toString(), "--format", "oci");
    assertThat(layout.resolve("oci-layout")).isRegularFile();
    assertThat(layout.resolve("index.json")).isRegularFile();
    ok("image", "import", layout.toString(), "-t", "again:1");
    assertThat(layers("again:1")).isEqualTo(layers("base:1"));
    ok("image", "import", layout + ":1", "-t", "selected:1");
    assertThat(layers("selected:1")).isEqualTo(layers("base:1"));

    Path ociTar = dir.resolve("oci.tar");
    ok("image", "export", "base:1", "-o", ociTar.toString());
    ok("image", "import", ociTar.toString(), "-t", "ocitar:1");
    assertThat(layers("ocitar:1")).isEqualTo(layers("base:1"));

    Path saved = dir.resolve("saved-base.tar");
    ok("image", "export", "base:1", "-o", saved.toString(), "--format", "docker-archive");
    ok("image", "import", saved.toString(), "-t", "dockerbase:1");
    assertThat(layers("dockerbase:1")).isEqualTo(layers("base:1"));
  }

  /** Tar entry names of the archive at {@code tar}. */
  private static List<String> entries(Path tar) throws IOException {
    List<String> names = new java.util.ArrayList<>();
    try (var in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            Files.newInputStream(tar))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
      }
    }
    return names;
  }

  /**
   * A docker-archive's layers are plain tars unless asked otherwise, as {@code docker save} writes
   * them (each under its diff_id); {@code --layer-compression gzip} compresses them.
   */
  @Test
  void aDockerArchiveHoldsPlainLayersAsDockerSaveWritesThem() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("saved-tree/etc"));
    Files.writeString(tree.resolve("only-here"), "a file no other image of this test has");
    ok("image", "import", tree.getParent().toString(), "-t", "plainsave:1");
    String diffId = layers("plainsave:1").get(0).asText().substring("sha256:".length());
    Path saved = dir.resolve("plainsave.tar");
    ok("image", "export", "plainsave:1", "-o", saved.toString(), "--type", "docker-archive");
    assertThat(entries(saved)).contains(diffId + "/layer.tar");
    Path gz = dir.resolve("plainsave-gz.tar");
    ok(
        "image",
        "export",
        "plainsave:1",
        "-o",
        gz.toString(),
        "--type",
        "docker-archive",
        "--layer-compression",
        "gzip");
    assertThat(entries(gz)).noneMatch(n -> n.endsWith("/layer.tar"));
    ok("image", "import", saved.toString(), "-t", "plainsave:2");
    assertThat(layers("plainsave:2")).isEqualTo(layers("plainsave:1"));
  }

  @Test
  void umociUnpacksTheExport() throws Exception {
    Tools.require("umoci");
    Path layout = dir.resolve("umoci-oci");
    ok("image", "export", "base:1", "-o", layout.toString(), "--format", "oci");
    Path bundle = dir.resolve("bundle");
    Process p =
        new ProcessBuilder(
                "umoci", "unpack", "--rootless", "--image", layout + ":1", bundle.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    Path rootfs = bundle.resolve("rootfs");
    assertThat(Files.readAllBytes(rootfs.resolve("usr/bin/tool")))
        .isEqualTo(Files.readAllBytes(base.resolve("usr/bin/tool")));
    assertThat(Files.readSymbolicLink(rootfs.resolve("usr/bin/tool-link")))
        .isEqualTo(Path.of("/usr/bin/tool"));
  }

  @Test
  void aPlainTarStreamedInGivesTheLayerItsSpooledImportGives() throws Exception {
    Path tarFile = dir.resolve("streamed.tar");
    try (OutputStream out = Files.newOutputStream(tarFile)) {
      TreeTar.write(base, out);
    }
    // a file the client finds plain is imported as it arrives; standard input is spooled first
    ok("image", "import", tarFile.toString(), "-t", "streamed:1");
    try (InputStream in = Files.newInputStream(tarFile)) {
      TestServer.CliRun r = server.cli(Map.of(), in, "image", "import", "-", "-t", "spooled:1");
      assertThat(r.code()).as(r.stderr()).isZero();
    }
    assertThat(layers("streamed:1")).isEqualTo(layers("spooled:1")).isEqualTo(layers("base:1"));
  }

  @Test
  void aPlainTarCutShortChangesNothing() throws Exception {
    Path whole = dir.resolve("whole.tar");
    try (OutputStream out = Files.newOutputStream(whole)) {
      TreeTar.write(base, out);
    }
    // cut inside the content of usr/bin/tool, well past the first entries
    byte[] all = Files.readAllBytes(whole);
    Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(all, all.length - TOOL / 2));
    String before = ok("--json", "image", "ls").out();
    TestServer.CliRun r = server.cli("image", "import", cut.toString(), "-t", "cut:1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr()).startsWith("strata: ").contains("cut.tar").doesNotContain("\tat ");
    assertThat(ok("--json", "image", "ls").out()).isEqualTo(before);
    assertThat(ok("driver", "ls").out()).doesNotContain(LAYER_TMP);
  }

  @Test
  void aDockerSaveArchiveKeepsItsTagAndDiffId() throws Exception {
    byte[] layer = Tars.of("srv/hello.txt", "from a docker archive\n");
    Path saved = Files.write(dir.resolve("saved.tar"), Tars.dockerSave(layer, "saved:1"));
    TestServer.CliRun r = ok("image", "import", saved.toString());
    assertThat(r.out()).contains("Loaded image: saved:1");
    assertThat(layers("saved:1").get(0).asText()).isEqualTo(Tars.sha256(layer));
  }

  @Test
  void hostileTarsChangeNothing() throws Exception {
    Map<String, byte[]> evil = new LinkedHashMap<>();
    evil.put("ok.txt", new byte[] {'x'});
    evil.put("../../escaped.txt", new byte[] {'x'});
    Path tar = Files.write(dir.resolve("evil.tar"), Tars.of(evil));
    String before = ok("--json", "image", "ls").out();
    TestServer.CliRun r = server.cli("image", "import", tar.toString(), "-t", "evil:1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.stderr()).startsWith("strata: ").contains("escaped").doesNotContain("\tat ");
    assertThat(dir.resolve("escaped.txt")).doesNotExist();
    assertThat(dir.resolve("data/escaped.txt")).doesNotExist();
    assertThat(ok("--json", "image", "ls").out()).isEqualTo(before);
    try (var left = Files.list(dir.resolve("data/tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
  }

  /**
   * A16 (docs/ADVERSARIAL.md): {@code bad\xff1} and {@code bad\xfe1} imported as one file, the
   * other lost, from a tar ({@code ?} for the bad byte) and from a directory (U+FFFD). Both are
   * refused in one line naming the name's bytes, exit 1, and the store is as it was; {@code café}
   * comes back as it was.
   */
  @Test
  @Timeout(180)
  void namesThatAreNotUtf8AreRefusedAndChangeNothing() throws Exception {
    Tools.require("tar");
    Path t = Files.createDirectories(dir.resolve("utf8/t"));
    sh(
        "cd "
            + t
            + " && printf x > \"$(printf 'caf\\303\\251')\" && printf y > \"$(printf 'bad\\3771')\""
            + " && printf z > \"$(printf 'bad\\3761')\"");
    Path tarFile = dir.resolve("utf8/t.tar");
    tar(t, tarFile);
    String bad =
        "\"(\\./)?bad\\\\x(ff|fe)1\": the name is not valid UTF-8 \\(Strata keeps file names as"
            + " UTF-8\\)\n";
    String before = ok("--json", "image", "ls").out();
    TestServer.CliRun r = server.cli("image", "import", tarFile.toString(), "-t", "utf8tar:1");
    assertThat(r.code()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stderr()).matches("strata: tar t\\.tar: entry " + bad);
    r = server.cli("image", "import", t.toString(), "-t", "utf8dir:1");
    assertThat(r.code()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stderr())
        .matches("strata: directory " + Pattern.quote(t.toRealPath().toString()) + ": file " + bad);
    // docker build sends its context as such a tar too
    Files.writeString(t.resolve("Dockerfile"), "FROM base:1\nCOPY . /ctx/\n");
    r = server.cli("build", "-t", "utf8build:1", t.toString());
    assertThat(r.code()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stderr()).contains("bad\\x").contains("is not valid UTF-8");
    assertThat(ok("--json", "image", "ls").out()).isEqualTo(before);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ok("driver", "ls").out().contains(LAYER_TMP) && System.nanoTime() < deadline) {
      Thread.sleep(100); // an upload the client gave up is dropped as the server sees it end
    }
    assertThat(ok("driver", "ls").out()).doesNotContain(LAYER_TMP);

    sh("cd " + t + " && rm bad* Dockerfile");
    tar(t, tarFile);
    ok("image", "import", tarFile.toString(), "-t", "utf8tar:1");
    ok("image", "import", t.toString(), "-t", "utf8dir:1");
    for (String image : List.of("utf8tar:1", "utf8dir:1")) {
      String c = image.replace(':', '-');
      ok("create", "--name", c, image);
      assertThat(ok("fs", c, "ls", "/").out()).isEqualTo("caf\u00e9\n");
    }
  }

  @Test
  void exitCodesForUnknownImagesAndBadUsage() throws IOException {
    assertThat(server.cli("image", "rm", "nosuch:1").code()).isEqualTo(4);
    assertThat(server.cli("image", "inspect", "nosuch:1").code()).isEqualTo(4);
    assertThat(server.cli("image", "export", "nosuch:1", "-o", dir.resolve("x").toString()).code())
        .isEqualTo(4);
    assertThat(dir.resolve("x")).doesNotExist();
    assertThat(server.cli("image", "tag", "base:1", "Not A Tag").code()).isEqualTo(2);
    assertThat(server.cli("image", "export", "base:1", "-o", "x", "--format", "zip").code())
        .isEqualTo(2);
    assertThat(server.cli("image", "import", dir.resolve("missing").toString()).code())
        .isEqualTo(1);
    assertThat(server.cli("image").code()).isEqualTo(2);
  }

  @Test
  void tagAndRemoveAsDocker() throws Exception {
    ok("image", "tag", "base:1", "tagged:1");
    ok("image", "tag", "base:1", "tagged:2");
    assertThat(ok("image", "rm", "tagged:1").out()).isEqualTo("Untagged: tagged:1\n");
    JsonNode inspect = json("image", "inspect", "tagged:2").get(0);
    assertThat(inspect.get("Id").asText()).startsWith("sha256:");
    assertThat(inspect.get("RootFS").get("Type").asText()).isEqualTo("layers");
    assertThat(server.cli("image", "inspect", "tagged:1").code()).isEqualTo(4);

    Path only = dir.resolve("only");
    Files.createDirectories(only);
    Files.writeString(only.resolve("f"), "only this image has me\n");
    ok("image", "import", only.toString(), "-t", "only:1");
    TestServer.CliRun rm = ok("image", "rm", "only:1");
    assertThat(rm.out())
        .contains("Untagged: only:1")
        .containsPattern("Deleted: sha256:[0-9a-f]{64}");
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker habits the testers found missing (docs/ADVERSARIAL.md Z1, Z2, Z8, Z12, Z13, Z15), through
 * the real CLI against a real stratad: ps's IMAGE and ancestor= after a tag moves, inspect -f json,
 * dangling= values, volume inspect's shape and inspect of a volume, build from standard input, and
 * the messages of cat, cp and load.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DockerHabitsIT {
  @TempDir Path dir;

  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    load(Tars.of("etc/motd", "first\n"), "x:1");
    ok("create", "--name", "c1", "x:1");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void psShowsTheImageNotAMovedTagAndAncestorResolvesTheImage() throws Exception {
    String firstId = id("x:1");
    ok("tag", "x:1", "y:1");
    assertThat(ok("ps", "--format", "{{.Names}} {{.Image}}").out()).isEqualTo("c1 x:1\n");
    ok("rmi", "x:1");
    load(Tars.of("etc/motd", "second\n"), "x:1");
    assertThat(id("x:1")).isNotEqualTo(firstId);
    String shortId = firstId.substring(7, 19);
    assertThat(ok("ps", "--format", "{{.Names}} {{.Image}}").out())
        .as("x:1 names another image now: the id is what still names c1's")
        .isEqualTo("c1 " + shortId + "\n");
    assertThat(json("ps").get(0).get("image").asText()).isEqualTo(shortId);
    assertThat(ok("ps", "-q", "--filter", "ancestor=x:1").out()).isEmpty();
    assertThat(names("ancestor=y:1")).isEqualTo("c1\n");
    assertThat(names("ancestor=" + shortId.substring(0, 6))).isEqualTo("c1\n");

    // an image built on y:1 (its layers and one more) descends from it, as in docker
    ok("create", "--name", "d1", "y:1");
    byte[] note = "note\n".getBytes(StandardCharsets.UTF_8);
    assertThat(server.cli(Map.of(), new ByteArrayInputStream(note), "fs", "d1", "write", "/n"))
        .extracting(TestServer.CliRun::code)
        .isEqualTo(0);
    ok("commit", "d1", "z:1");
    ok("create", "--name", "e1", "z:1");
    assertThat(names("ancestor=y:1").lines()).containsExactlyInAnyOrder("c1", "d1", "e1");
    assertThat(names("ancestor=z:1")).isEqualTo("e1\n");
    assertThat(names("ancestor=nosuch:1")).isEmpty();
    // the same layers as y:1 with another step is y:1's sibling, not an ancestor of its containers
    byte[] label = "FROM y:1\nLABEL k=v\n".getBytes(StandardCharsets.UTF_8);
    assertThat(in(label, "build", "-t", "sibling:1", "-").code()).isEqualTo(0);
    assertThat(names("ancestor=sibling:1")).isEmpty();
    ok("create", "--name", "s1", "sibling:1");
    assertThat(names("ancestor=sibling:1")).isEqualTo("s1\n");
    assertThat(names("ancestor=y:1").lines()).containsExactlyInAnyOrder("c1", "d1", "e1", "s1");
  }

  @Test
  void inspectFormatJsonPrintsTheObjects() throws Exception {
    String out = ok("inspect", "--format", "json", "c1").out();
    assertThat(out.lines()).hasSize(1);
    JsonNode array = Json.tree(out.getBytes(StandardCharsets.UTF_8), "inspect");
    assertThat(array.isArray()).isTrue();
    assertThat(array.get(0).get("Name").asText()).isEqualTo("/c1");
    JsonNode image =
        Json.tree(ok("image", "inspect", "-f", "json", "x:1").stdout(), "image inspect");
    assertThat(image.get(0).get("Id").asText()).isEqualTo(id("x:1"));
  }

  @Test
  void danglingReadsDockersBooleansAndRefusesOthers() {
    ok("volume", "create", "spare");
    assertThat(ok("images", "-q", "--filter", "dangling=1").out()).isEmpty();
    assertThat(ok("images", "-q", "--filter", "dangling=TRUE").out()).isEmpty();
    assertThat(ok("images", "-q", "--filter", "dangling=0").out())
        .isEqualTo(ok("images", "-q", "--filter", "dangling=false").out())
        .isNotEmpty();
    assertThat(ok("volume", "ls", "-q", "--filter", "dangling=1").out()).isEqualTo("spare\n");
    assertThat(ok("volume", "ls", "-q", "--filter", "dangling=0").out()).isEmpty();
    for (String[] listing :
        new String[][] {{"images"}, {"volume", "ls"}, {"image", "ls", "nosuch"}}) {
      String[] args = new String[listing.length + 2];
      System.arraycopy(listing, 0, args, 0, listing.length);
      args[listing.length] = "--filter";
      args[listing.length + 1] = "dangling=maybe";
      TestServer.CliRun bad = server.cli(args);
      assertThat(bad.code()).as(String.join(" ", listing)).isEqualTo(2);
      assertThat(bad.stderr())
          .startsWith("strata: invalid filter 'dangling=maybe': expected true, false, 1 or 0\n");
    }
  }

  @Test
  void volumeInspectPrintsDockersArrayAndInspectFindsVolumes() throws Exception {
    ok("volume", "create", "v1");
    JsonNode one = Json.tree(ok("volume", "inspect", "v1").stdout(), "volume inspect");
    assertThat(one.isArray()).isTrue();
    assertThat(one.size()).isEqualTo(1);
    assertThat(one.get(0).get("Name").asText()).isEqualTo("v1");
    assertThat(one.get(0).get("Driver").asText()).isEqualTo("local");
    assertThat(one.get(0).get("Scope").asText()).isEqualTo("local");
    assertThat(one.get(0).get("Mountpoint").asText()).endsWith("volumes/v1/_data");
    assertThat(one.get(0).has("Labels")).isTrue();
    assertThat(one.get(0).has("Options")).isTrue();
    assertThat(one.get(0).has("CreatedAt")).isTrue();
    assertThat(Json.tree(ok("volume", "inspect", "v1", "v1").stdout(), "two").size()).isEqualTo(2);
    JsonNode spec = Json.tree(ok("--json", "volume", "inspect", "v1").stdout(), "--json");
    assertThat(spec.get("name").asText()).isEqualTo("v1");
    assertThat(spec.has("mountpoint")).isTrue();
    assertThat(spec.get("inUse").asBoolean()).isFalse();

    JsonNode found = Json.tree(ok("inspect", "v1").stdout(), "inspect");
    assertThat(found.get(0).get("Name").asText()).isEqualTo("v1");
    assertThat(ok("inspect", "--type", "volume", "-f", "{{.Driver}}", "v1").out())
        .isEqualTo("local\n");
    TestServer.CliRun missing = server.cli("inspect", "nosuch");
    assertThat(missing.code()).isEqualTo(4);
    assertThat(missing.stderr()).isEqualTo("strata: no such object: nosuch\n");
  }

  @Test
  void buildReadsAContextTarOrADockerfileFromStandardInput() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("Dockerfile", "FROM x:1\nCOPY hello /hello\n".getBytes(StandardCharsets.UTF_8));
    files.put("hello", "from the tar\n".getBytes(StandardCharsets.UTF_8));
    assertThat(in(Tars.of(files), "build", "-t", "fromtar:1", "-").code()).isEqualTo(0);
    ok("create", "--name", "t1", "fromtar:1");
    assertThat(ok("fs", "t1", "cat", "/hello").out()).isEqualTo("from the tar\n");

    // gzip too, and the tar's .dockerignore leaves its files out, as docker build - does
    Map<String, byte[]> ignoring = new LinkedHashMap<>();
    ignoring.put("./build/app.df", "FROM x:1\nCOPY . /ctx/\n".getBytes(StandardCharsets.UTF_8));
    ignoring.put("./.dockerignore", "secret\n".getBytes(StandardCharsets.UTF_8));
    ignoring.put("./hello", "kept\n".getBytes(StandardCharsets.UTF_8));
    ignoring.put("./secret", "left out\n".getBytes(StandardCharsets.UTF_8));
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
      z.write(Tars.of(ignoring));
    }
    assertThat(in(gz.toByteArray(), "build", "-f", "build/app.df", "-t", "gz:1", "-").code())
        .isEqualTo(0);
    ok("create", "--name", "g1", "gz:1");
    assertThat(ok("fs", "g1", "cat", "/ctx/hello").out()).isEqualTo("kept\n");
    assertThat(server.cli("fs", "g1", "cat", "/ctx/secret").code()).isEqualTo(4);
    TestServer.CliRun both = server.cli("build", "-f", "-", "-");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.stderr())
        .startsWith("strata: build: the context and the Dockerfile cannot both be standard input");

    byte[] dockerfile = "FROM x:1\nLABEL via=stdin\n".getBytes(StandardCharsets.UTF_8);
    assertThat(in(dockerfile, "build", "-t", "plain:1", "-").code()).isEqualTo(0);
    assertThat(ok("image", "inspect", "-f", "{{.Config.Labels.via}}", "plain:1").out())
        .isEqualTo("stdin\n");

    Path context = Files.createDirectories(dir.resolve("ctx"));
    Files.writeString(context.resolve("hello"), "from the directory\n");
    byte[] copy = "FROM x:1\nCOPY hello /hello\n".getBytes(StandardCharsets.UTF_8);
    assertThat(in(copy, "build", "-f", "-", "-t", "fromdir:1", context.toString()).code())
        .isEqualTo(0);
    ok("create", "--name", "u1", "fromdir:1");
    assertThat(ok("fs", "u1", "cat", "/hello").out()).isEqualTo("from the directory\n");
  }

  @Test
  void missingFilesNameTheContainerAndLoadSaysToGiveDashI() throws Exception {
    TestServer.CliRun cat = server.cli("fs", "c1", "cat", "/nosuch");
    assertThat(cat.code()).isEqualTo(4);
    assertThat(cat.stderr()).isEqualTo("strata: Could not find the file /nosuch in container c1\n");
    TestServer.CliRun cp = server.cli("cp", "c1:/etc/gone", "-");
    assertThat(cp.code()).isEqualTo(4);
    assertThat(cp.stderr())
        .isEqualTo("strata: Could not find the file /etc/gone in container c1\n");
    TestServer.CliRun toDir = server.cli("cp", "c1:/etc/gone", dir.resolve("out").toString());
    assertThat(toDir.stderr()).isEqualTo(cp.stderr());
    // a link that leads nowhere says where it leads, as cp -L does (AD5); a link to a file reads it
    ok("fs", "c1", "ln", "-s", "/nope", "/dangle");
    TestServer.CliRun dangling = server.cli("fs", "c1", "cat", "/dangle");
    assertThat(dangling.code()).isEqualTo(4);
    assertThat(dangling.stderr())
        .isEqualTo("strata: path /dangle leads to /nope, which does not exist\n");
    ok("fs", "c1", "ln", "-s", "etc/motd", "/greeting");
    assertThat(ok("fs", "c1", "cat", "/greeting").out()).isEqualTo("first\n");
    // a trailing slash names a directory, as the kernel reads it (AE5): ENOTDIR for a file
    for (String[] args :
        new String[][] {
          {"fs", "c1", "cat", "/etc/motd/"},
          {"fs", "c1", "cat", "/etc/motd/."},
          {"cp", "c1:/etc/motd/", "-"}
        }) {
      TestServer.CliRun slashed = server.cli(args);
      assertThat(slashed.code()).as(String.join(" ", args)).isNotZero();
      assertThat(slashed.stdout()).as(String.join(" ", args)).isEmpty();
      assertThat(slashed.stderr()).as(String.join(" ", args)).contains(": not a directory");
    }
    assertThat(ok("cp", "c1:/etc/", "-").out()).isNotEmpty();
    // ... and follows a link before it, as the kernel does: `ls link/` lists the directory it
    // leads to (AH2: it listed the link); a dangling `link/` is not found, not "not a directory"
    // (AH3)
    ok("fs", "c1", "ln", "-s", "/etc", "/etclink");
    for (String p : new String[] {"/etclink/", "/etclink/."}) {
      assertThat(ok("fs", "c1", "ls", p).out()).as(p).contains("motd").doesNotContain("etclink");
    }
    assertThat(ok("fs", "c1", "ls", "/etclink").out()).as("no slash: the link").contains("etclink");
    assertThat(ok("cp", "c1:/etclink/", "-").out()).isNotEmpty();
    for (String[] args :
        new String[][] {{"fs", "c1", "ls", "/dangle/"}, {"cp", "c1:/dangle/", "-"}}) {
      TestServer.CliRun r = server.cli(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(4);
      assertThat(r.stderr())
          .as(String.join(" ", args))
          .contains("/dangle leads to /nope, which does not exist");
    }
    // the server says it, naming the container as the request did (any client sees it)
    try (io.strata.client.StrataClient c = server.client()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  c.readFile(
                      new io.strata.protocol.message.ReadArgs("c1", "/nosuch", null, null),
                      java.io.OutputStream.nullOutputStream(),
                      io.strata.client.TransferListener.NONE))
          .hasMessage("Could not find the file /nosuch in container c1");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  c.copyOut(
                      new io.strata.protocol.message.CopyOutArgs("c1", "/etc/gone", false),
                      java.io.OutputStream.nullOutputStream(),
                      io.strata.client.TransferListener.NONE))
          .hasMessage("Could not find the file /etc/gone in container c1");
    }

    TestServer.CliRun load = server.cli("load", "/tmp/image.tar");
    assertThat(load.code()).isEqualTo(2);
    assertThat(load.stderr())
        .startsWith(
            "strata: load takes no PATH argument (as docker load): give -i /tmp/image.tar\n");
    assertThat(ok("rm", "--help").out()).contains("It does not unmount");
  }

  private String names(String filter) {
    return ok("ps", "--format", "{{.Names}}", "--filter", filter).out();
  }

  private String id(String image) {
    return ok("image", "inspect", "-f", "{{.Id}}", image).out().strip();
  }

  private void load(byte[] layer, String tag) throws Exception {
    assertThat(in(Tars.dockerSave(layer, tag), "load").code()).isEqualTo(0);
  }

  private TestServer.CliRun in(byte[] stdin, String... args) {
    TestServer.CliRun r = server.cli(Map.of(), new ByteArrayInputStream(stdin), args);
    assertThat(r.stderr()).as("strata " + String.join(" ", args)).doesNotContain("strata: ");
    return r;
  }

  private TestServer.CliRun ok(String... args) {
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
}

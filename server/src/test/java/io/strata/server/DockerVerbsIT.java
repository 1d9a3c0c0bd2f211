package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.message.Json;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verbs and flags a docker user types, through the real CLI against a real stratad: {@code
 * images}, {@code rmi}, {@code container ls}, {@code -q}, {@code --filter}, {@code --no-trunc},
 * {@code --format}, {@code inspect} of several containers and images, {@code image prune}, {@code
 * system prune}, {@code version}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DockerVerbsIT {
  @TempDir Path dir;

  private TestServer server;
  private String baseId;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
    load(Tars.of("etc/motd", "base\n"), "base:1");
    load(Tars.of("etc/motd", "other\n"), "other:1");
    baseId =
        Json.tree(ok("--json", "image", "inspect", "base:1").stdout(), "inspect")
            .get(0)
            .get("Id")
            .asText();
    ok("create", "--name", "web", "-v", "data:/data", "base:1");
    ok("create", "--name", "worker", "base:1");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void imagesAndContainerLsAreTheListings() {
    assertThat(ok("images").out()).isEqualTo(ok("image", "ls").out()).contains("base", "other");
    assertThat(ok("container", "ls").out()).isEqualTo(ok("ps").out()).contains("web", "worker");
    assertThat(ok("container", "ps").out()).isEqualTo(ok("ps").out());
  }

  @Test
  void quietPrintsIdsAndNoTruncPrintsThemWhole() {
    String hex = baseId.substring("sha256:".length());
    assertThat(ok("images", "-q", "--filter", "reference=base").out())
        .isEqualTo(hex.substring(0, 12) + "\n");
    assertThat(ok("images", "-q", "--no-trunc", "--filter", "reference=base").out())
        .isEqualTo(baseId + "\n");
    assertThat(ok("ps", "-q").out().lines()).hasSize(2).allMatch(l -> l.matches("[0-9a-f]{12}"));
    assertThat(ok("ps", "-q", "--no-trunc").out().lines())
        .hasSize(2)
        .allMatch(l -> l.matches("[0-9a-f]{64}"));
    assertThat(ok("volume", "ls", "-q").out()).isEqualTo("data\n");
    assertThat(ok("blob", "ls", "-q").out()).isEmpty();
  }

  @Test
  void historyTakesTheListingFlags() throws Exception {
    String layer =
        json("image", "inspect", "base:1").get(0).get("RootFS").get("Layers").get(0).asText();
    assertThat(ok("image", "history", "-q", "--no-trunc", "base:1").out()).isEqualTo(layer + "\n");
    assertThat(ok("image", "history", "--format", "{{.ID}}", "base:1").out())
        .isEqualTo(layer.substring(7, 19) + "\n");
  }

  @Test
  void filtersKeepTheMatchingRows() {
    assertThat(ok("images", "--format", "{{.Repository}}", "--filter", "reference=oth*").out())
        .isEqualTo("other\n");
    assertThat(
            ok("images", "--format", "{{.Repository}}:{{.Tag}}", "-f", "reference=*:1")
                .out()
                .lines())
        .containsExactlyInAnyOrder("base:1", "other:1");
    assertThat(ok("ps", "--format", "{{.Names}}", "--filter", "name=wor").out())
        .isEqualTo("worker\n");
    assertThat(ok("ps", "--format", "{{.Names}}", "--filter", "ancestor=other:1").out()).isEmpty();
    assertThat(ok("ps", "--format", "{{.Names}}", "--filter", "ancestor=base:1").out().lines())
        .containsExactlyInAnyOrder("web", "worker");
    assertThat(ok("volume", "ls", "-q", "--filter", "dangling=true").out()).isEmpty();
    TestServer.CliRun bad = server.cli("images", "--filter", "colour=red");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.stderr()).startsWith("strata: invalid filter 'colour=red'");
  }

  @Test
  void formatTakesTemplatesTablesAndJson() throws Exception {
    assertThat(ok("ps", "--format", "{{.Names}}\\t{{.Image}}", "-f", "name=web").out())
        .isEqualTo("web\tbase:1\n");
    String table = ok("ps", "--format", "table {{.Names}}\\t{{.Image}}", "-f", "name=web").out();
    assertThat(table.lines()).containsExactly("NAME  IMAGE", "web   base:1");
    String json = ok("images", "--format", "json", "--filter", "reference=base").out();
    JsonNode row = Json.tree(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "row");
    assertThat(row.get("Repository").asText()).isEqualTo("base");
    assertThat(row.get("ID").asText()).isEqualTo(baseId.substring(7, 19));
    TestServer.CliRun bad = server.cli("ps", "--format", "{{.Colour}}");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.stderr()).contains("no field .Colour").contains(".Names");
  }

  @Test
  void inspectPrintsDockersArrayForContainersAndImages() throws Exception {
    JsonNode all = json("inspect", "--size", "web", "other:1");
    assertThat(all.size()).isEqualTo(2);
    JsonNode web = all.get(0);
    assertThat(web.get("Name").asText()).isEqualTo("/web");
    assertThat(web.get("State").get("Status").asText()).isEqualTo("created");
    assertThat(web.get("Image").asText()).isEqualTo(baseId);
    assertThat(web.get("Mounts").get(0).get("Name").asText()).isEqualTo("data");
    assertThat(web.get("Mounts").get(0).get("Destination").asText()).isEqualTo("/data");
    assertThat(web.get("Mounts").get(0).get("Source").asText()).endsWith("volumes/data/_data");
    assertThat(web.get("SizeRootFs").asLong()).isPositive();
    assertThat(web.has("SizeRw")).isTrue();
    assertThat(web.get("GraphDriver").get("Name").asText()).isEqualTo("btrfs");
    JsonNode other = all.get(1);
    assertThat(other.get("RepoTags").get(0).asText()).isEqualTo("other:1");
    assertThat(other.get("RootFS").get("Type").asText()).isEqualTo("layers");
    assertThat(other.get("RootFS").get("Layers").get(0).asText()).startsWith("sha256:");
    // docker's sizes are logical: an image's is its layers' uncompressed bytes (image history's),
    // a container's root file system that plus what it wrote; not the compressed stored bytes
    assertThat(other.get("Size").asLong()).isEqualTo(historyBytes("other:1")).isGreaterThan(1024);
    assertThat(web.get("SizeRootFs").asLong())
        .isEqualTo(web.get("SizeRw").asLong() + historyBytes("base:1"));
    JsonNode row = Json.tree(ok("--json", "ps", "-a", "-s").stdout(), "ps");
    for (JsonNode r : row) {
      if (r.get("name").asText().equals("web")) {
        assertThat(r.get("virtualSize").asLong()).isEqualTo(web.get("SizeRootFs").asLong());
      }
    }
    assertThat(json("inspect", "worker").get(0).has("SizeRw")).isFalse();
    assertThat(ok("inspect", "-f", "{{.State.Status}} {{.Name}}", "web", "worker").out())
        .isEqualTo("created /web\ncreated /worker\n");
    TestServer.CliRun missing = server.cli("inspect", "web", "nosuch");
    assertThat(missing.code()).isEqualTo(4);
    assertThat(missing.stderr()).isEqualTo("strata: no such object: nosuch\n");
    assertThat(Json.tree(missing.stdout(), "inspect").size()).isEqualTo(1);
    TestServer.CliRun typed = server.cli("inspect", "--type", "image", "web");
    assertThat(typed.code()).isEqualTo(4);
  }

  @Test
  void createKeepsEnvironmentLabelsAndWorkdirAcrossRestarts() throws Exception {
    Path envFile =
        java.nio.file.Files.writeString(dir.resolve("env"), "# comment\nFROM_FILE=1\n\n");
    TestServer.CliRun created =
        server.cli(
            Map.of("SHELL_VAR", "from-shell"),
            new ByteArrayInputStream(new byte[0]),
            "create",
            "--name",
            "configured",
            "-e",
            "A=1",
            "--env",
            "SHELL_VAR",
            "-e",
            "UNSET_VAR",
            "--env-file",
            envFile.toString(),
            "--label",
            "tier=web",
            "-l",
            "flag",
            "-w",
            "/srv",
            "base:1");
    assertThat(created.code()).as(created.stderr()).isZero();
    server.restart();
    JsonNode config = json("inspect", "configured").get(0).get("Config");
    assertThat(config.get("Env").toString())
        .contains("\"A=1\"", "\"SHELL_VAR=from-shell\"", "\"FROM_FILE=1\"")
        .doesNotContain("UNSET_VAR");
    assertThat(config.get("Labels").get("tier").asText()).isEqualTo("web");
    assertThat(config.get("Labels").get("flag").asText()).isEmpty();
    assertThat(config.get("WorkingDir").asText()).isEqualTo("/srv");
    assertThat(config.get("Image").asText()).isEqualTo("base:1");
    assertThat(ok("ps", "--format", "{{.Names}}", "--filter", "label=tier=web").out())
        .isEqualTo("configured\n");
    assertThat(ok("ps", "--format", "{{.Names}}", "--filter", "label=flag").out())
        .isEqualTo("configured\n");
    assertThat(ok("ps", "-q", "--filter", "label=tier=db").out()).isEmpty();
    TestServer.CliRun relative = server.cli("create", "-w", "srv", "base:1");
    assertThat(relative.code()).isEqualTo(2);
    assertThat(relative.stderr()).startsWith("strata: --workdir srv: ");
  }

  @Test
  void jsonKeysFollowOneConvention() throws Exception {
    ok("volume", "create", "spare");
    for (String[] args :
        new String[][] {
          {"driver", "ls"},
          {"images"},
          {"ps"},
          {"volume", "ls"},
          {"info"},
          {"system", "df", "-v"},
          {"volume", "rm", "spare"}
        }) {
      JsonNode doc = json(args);
      assertThat(keys(doc))
          .as(String.join(" ", args))
          .allMatch(k -> k.matches("[a-z][a-zA-Z0-9]*"));
    }
    assertThat(json("driver", "ls").get(0).has("topLevel")).isTrue();
  }

  @Test
  void errorsComeAsJsonUnderJson() throws Exception {
    TestServer.CliRun missing = server.cli("--json", "inspect", "nosuch");
    assertThat(missing.code()).isEqualTo(4);
    JsonNode error =
        Json.tree(missing.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8), "error");
    assertThat(error.get("error").asText()).isEqualTo("no such object: nosuch");
    assertThat(error.get("status").asText()).isEqualTo("NOT_FOUND");
    assertThat(error.get("exitCode").asInt()).isEqualTo(4);
    TestServer.CliRun usage = server.cli("--json", "images", "--filter", "colour=red");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(
            Json.tree(usage.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8), "error")
                .get("exitCode")
                .asInt())
        .isEqualTo(2);
    assertThat(usage.stderr().lines()).hasSize(1);
  }

  /** Every object key in {@code node}, at any depth. */
  private static java.util.List<String> keys(JsonNode node) {
    java.util.List<String> out = new java.util.ArrayList<>();
    if (node.isObject()) {
      node.fieldNames()
          .forEachRemaining(
              k -> {
                out.add(k);
                out.addAll(keys(node.get(k)));
              });
    } else if (node.isArray()) {
      node.forEach(e -> out.addAll(keys(e)));
    }
    return out;
  }

  @Test
  void rmiTakesSeveralImages() {
    ok("image", "tag", "other:1", "other:2");
    TestServer.CliRun r = server.cli("rmi", "other:2", "nosuch:1", "other:1");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.out()).startsWith("Untagged: other:2\nUntagged: other:1\nDeleted: sha256:");
    assertThat(r.stderr().lines()).hasSize(1).allMatch(l -> l.contains("nosuch:1"));
    assertThat(ok("images", "--format", "{{.Repository}}").out()).isEqualTo("base\n");
  }

  @Test
  void rmiByIdOfAnImageInSeveralRepositoriesNeedsForce() {
    String id = ok("inspect", "-f", "{{.Id}}", "other:1").out().strip();
    ok("tag", "other:1", "team1/other:prod");
    TestServer.CliRun refused = server.cli("rmi", id);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.stderr())
        .isEqualTo(
            "strata: conflict: unable to delete "
                + id.substring(7, 19)
                + " (must be forced) - image is referenced in multiple repositories\n");
    assertThat(ok("images", "--format", "{{.Repository}}:{{.Tag}}", "other").out())
        .isEqualTo("other:1\n");
    assertThat(ok("images", "-q", "team1/other:prod").out()).isEqualTo(id.substring(7, 19) + "\n");
    assertThat(ok("rmi", "-f", id.substring(7, 19)).out())
        .isEqualTo("Untagged: other:1\nUntagged: team1/other:prod\nDeleted: " + id + "\n");
    assertThat(ok("images", "-q", "other").out()).isEmpty();
    // forced or not, an image a container uses stays, with all its tags
    ok("tag", "base:1", "team1/base:prod");
    TestServer.CliRun used = server.cli("image", "rm", "--force", baseId);
    assertThat(used.code()).isEqualTo(1);
    assertThat(used.stderr())
        .as("the refusal names each container as strata ps shows it")
        .isEqualTo(
            "strata: image "
                + baseId
                + " is used by container web ("
                + shortId("web")
                + "), container worker ("
                + shortId("worker")
                + "); remove them first (not even -f removes an image a container uses)\n");
    assertThat(ok("images", "--format", "{{.Repository}}:{{.Tag}}").out().lines())
        .containsExactlyInAnyOrder("base:1", "team1/base:prod");
  }

  @Test
  void volumeRmOfAVolumeInUseNamesTheContainer() {
    TestServer.CliRun used = server.cli("volume", "rm", "data");
    assertThat(used.code()).isEqualTo(1);
    assertThat(used.stderr())
        .isEqualTo(
            "strata: volume data is in use by container web ("
                + shortId("web")
                + "); remove it first\n");
  }

  /** Container {@code name}'s id as {@code strata ps} shows it. */
  private String shortId(String name) {
    return ok("ps", "-a", "-q", "--filter", "name=" + name).out().strip();
  }

  @Test
  void aTagSpelledLikeAnIdIsRefusedSoAShortIdNamesItsImage() {
    String prefix = baseId.substring(0, 19);
    TestServer.CliRun refused = server.cli("tag", "other:1", prefix);
    assertThat(refused.code()).isNotZero();
    assertThat(refused.stderr())
        .contains("refusing to create an ambiguous tag using digest algorithm as name");
    assertThat(ok("images", "--format", "{{.Repository}}").out()).doesNotContain("sha256");
    assertThat(ok("inspect", "-f", "{{.Id}}", prefix).out()).isEqualTo(baseId + "\n");
  }

  @Test
  void importedAndCommittedImagesHaveACreatedTime() throws Exception {
    java.time.Instant before = java.time.Instant.now().minusSeconds(1);
    ok("commit", "worker", "worker:1");
    for (String image : new String[] {"base:1", "worker:1"}) {
      String created = ok("image", "inspect", "-f", "{{.Created}}", image).out().strip();
      assertThat(java.time.Instant.parse(created)).as(image).isAfter(before.minusSeconds(120));
      assertThat(json("image", "inspect", image).get(0).get("Created").asText()).isEqualTo(created);
    }
    String committed = ok("image", "inspect", "-f", "{{.Created}}", "worker:1").out().strip();
    assertThat(java.time.Instant.parse(committed)).isAfterOrEqualTo(before);
  }

  @Test
  void volumeInspectSystemDfAndInfoTakeFormat() {
    assertThat(ok("volume", "inspect", "-f", "{{.Mountpoint}}", "data").out())
        .endsWith("volumes/data/_data\n");
    assertThat(ok("volume", "inspect", "--format", "{{.Name}} {{.Driver}}", "data").out())
        .isEqualTo("data local\n");
    assertThat(ok("system", "df", "--format", "{{.Type}}={{.TotalCount}}").out().lines())
        .containsExactly("Images=2", "Containers=2", "Local Volumes=1", "Build Cache=0");
    assertThat(ok("system", "df", "--format", "table {{.Type}}").out().lines())
        .containsExactly("TYPE", "Images", "Containers", "Local Volumes", "Build Cache");
    assertThat(ok("info", "--format", "{{.Driver}} {{.Images}} {{.Containers}}").out())
        .isEqualTo("btrfs 2 2\n");
    assertThat(ok("info", "-f", "{{json .Driver}}").out()).isEqualTo("\"btrfs\"\n");
    TestServer.CliRun both = server.cli("system", "df", "-v", "--format", "{{.Type}}");
    assertThat(both.code()).isEqualTo(2);
    TestServer.CliRun bad = server.cli("volume", "inspect", "-f", "{{.Colour}}", "data");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.stderr()).contains("no field .Colour");
  }

  @Test
  void imagePruneRemovesWhatNoContainerUses() {
    TestServer.CliRun unconfirmed = server.cli("image", "prune", "-a");
    assertThat(unconfirmed.code()).isEqualTo(2);
    assertThat(unconfirmed.stderr()).contains("give -f");
    TestServer.CliRun r = ok("image", "prune", "-a", "-f");
    assertThat(r.out())
        .contains("Deleted Images:", "untagged: other:1")
        .contains("Total reclaimed space: ");
    assertThat(ok("images", "--format", "{{.Repository}}").out()).isEqualTo("base\n");
  }

  @Test
  void systemPruneRemovesContainersThenUnusedImages() {
    TestServer.CliRun r = ok("system", "prune", "-a", "-f");
    assertThat(r.out())
        .contains("Deleted Containers:", "Deleted Images:", "Total reclaimed space:");
    assertThat(ok("ps", "-q").out()).isEmpty();
    assertThat(ok("images", "-q").out()).isEmpty();
    assertThat(ok("volume", "ls", "-q").out()).isEqualTo("data\n"); // named volumes stay
  }

  @Test
  void versionShowsClientAndServer() throws Exception {
    String text = ok("version").out();
    assertThat(text).startsWith("Client:\n Version: ").contains("\nServer:\n Version: ");
    JsonNode v = json("version");
    assertThat(v.get("Server").get("Driver").asText()).isEqualTo("btrfs");
    assertThat(ok("version", "--format", "{{.Server.Driver}}").out()).isEqualTo("btrfs\n");
    // builds of one version number are told apart by their commit, the same on both sides here
    // (a build in a git checkout, as every build of this project is)
    String commits = ok("version", "--format", "{{.Client.GitCommit}} {{.Server.GitCommit}}").out();
    assertThat(commits).matches("([0-9a-f]{12}(-dirty)?) \\1\n");
    assertThat(ok("--version").out())
        .isEqualTo(
            "strata 0.1.0 (commit "
                + commits.split(" ")[0]
                + " of "
                + v.get("Client").get("Committed").asText()
                + ")\n");
  }

  @Test
  void jsonWithQuietOrFormatIsRefusedRatherThanOneSilentlyWinning() {
    String[][] vectors = {
      {"--json", "ps", "-q"},
      {"--json", "images", "--format", "{{.ID}}"},
      {"--json", "volume", "ls", "-q"},
      {"ps", "-q", "--json"}
    };
    for (String[] args : vectors) {
      TestServer.CliRun r = server.cli(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.stdout()).as(String.join(" ", args)).isEmpty();
      assertThat(r.stderr()).contains("--json cannot be combined with");
    }
  }

  @Test
  void brokenTemplatesEmptyFormatsAndAnEmptyAncestorAreAsDockerHasThem() {
    for (String format : new String[] {"{{.ID", "{{.ID}", "}}{{.Tag"}) {
      TestServer.CliRun r = server.cli("images", "--format", format);
      assertThat(r.code()).as(format).isEqualTo(2);
      assertThat(r.stdout()).as(format).isEmpty();
      assertThat(r.stderr()).contains("template parsing error: unclosed action");
    }
    assertThat(ok("ps", "--format", "").out()).isEqualTo(ok("ps").out());
    assertThat(ok("images", "--format=").out()).isEqualTo(ok("images").out());
    TestServer.CliRun a = server.cli("ps", "-f", "ancestor=");
    assertThat(a.code()).isEqualTo(2);
    assertThat(a.stderr()).contains("invalid filter 'ancestor='").doesNotContain("image.inspect");
  }

  @Test
  void onlyStrataItselfHasAVersionOption() {
    TestServer.CliRun r = server.cli("images", "-V");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("Unknown option: '-V'");
    assertThat(server.cli("rm", "--version").code()).isEqualTo(2);
    assertThat(new String(ok("-V").stdout(), java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("strata ");
  }

  private void load(byte[] layer, String tag) throws Exception {
    TestServer.CliRun r =
        server.cli(Map.of(), new ByteArrayInputStream(Tars.dockerSave(layer, tag)), "load");
    assertThat(r.code()).as(r.stderr()).isZero();
  }

  private TestServer.CliRun ok(String... args) {
    TestServer.CliRun r = server.cli(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.stderr()).isZero();
    return r;
  }

  private JsonNode json(String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = "--json";
    System.arraycopy(args, 0, all, 1, args.length);
    return Json.tree(ok(all).stdout(), "strata output");
  }

  /** The sum of {@code image history}'s layer sizes of {@code image}. */
  private long historyBytes(String image) throws Exception {
    long total = 0;
    for (JsonNode h : Json.tree(ok("--json", "image", "history", image).stdout(), "history")) {
      total += h.get("size").asLong();
    }
    return total;
  }
}

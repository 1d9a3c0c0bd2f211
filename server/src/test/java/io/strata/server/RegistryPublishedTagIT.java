package io.strata.server;

import static io.strata.server.Commands.exit;
import static io.strata.server.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.Tools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial finding H8: a tag the registry published from a Strata image (a pull by name of an
 * image it lacked) follows the Strata name. Once the user imports, tags or removes that name, the
 * registry no longer serves the old image: the next pull publishes the current one, or finds none.
 * Before, the first image published was served for good. A tag pushed by a client stays as pushed.
 * Skipped, saying so, where skopeo is not installed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RegistryPublishedTagIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static TestServer server;
  static String registry;

  @BeforeAll
  static void start() throws Exception {
    Tools.require("skopeo");
    server =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("data"))
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))));
    registry = "127.0.0.1:" + server.server().registryAddress().getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void strata(String... args) {
    var r = server.cli(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.stderr()).isZero();
  }

  /** Imports a directory holding the file {@code ver} as the Strata image {@code ref}. */
  private static void importVersion(String ref, String ver) throws Exception {
    Path d = Files.createTempDirectory(dir, "ctx");
    Files.writeString(d.resolve("ver"), ver);
    strata("image", "import", d.toString(), "-t", ref);
  }

  /** The digest of the manifest the registry serves for {@code ref}. */
  private static String digest(String ref) throws Exception {
    return JSON.readTree(
            run("skopeo", "inspect", "--tls-verify=false", "docker://" + registry + "/" + ref))
        .path("Digest")
        .asText();
  }

  /** What file {@code ver} holds in the image the registry serves for {@code ref} (skopeo copy). */
  private static String pulledVersion(String ref) throws Exception {
    Path layout = Files.createTempDirectory(dir, "copy");
    run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://" + registry + "/" + ref,
        "oci:" + layout + ":1");
    Path blobs = layout.resolve("blobs/sha256");
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest =
        JSON.readTree(
            blobs
                .resolve(index.path("manifests").path(0).path("digest").asText().substring(7))
                .toFile());
    for (JsonNode layer : manifest.path("layers")) {
      Path blob = blobs.resolve(layer.path("digest").asText().substring(7));
      InputStream in = Files.newInputStream(blob);
      if (layer.path("mediaType").asText().endsWith("gzip")) {
        in = new GZIPInputStream(in);
      }
      try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          if (e.getName().replaceFirst("^\\./", "").equals("ver")) {
            return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
          }
        }
      }
    }
    throw new AssertionError("no file ver in " + ref);
  }

  @Test
  void aPublishedTagFollowsTheStrataNameThroughImportTagAndRm() throws Exception {
    importVersion("loc/app:1", "one\n");
    String v1 = digest("loc/app:1"); // published by this pull by name
    assertThat(pulledVersion("loc/app:1")).isEqualTo("one\n");

    // the user's new version under the same name is what the registry serves now
    importVersion("loc/app:1", "two\n");
    String v2 = digest("loc/app:1");
    assertThat(v2).isNotEqualTo(v1);
    assertThat(pulledVersion("loc/app:1")).isEqualTo("two\n");

    // another image given the name (strata image tag)
    importVersion("loc/other:1", "three\n");
    strata("image", "tag", "loc/other:1", "loc/app:1");
    assertThat(pulledVersion("loc/app:1")).isEqualTo("three\n");
    assertThat(
            run("skopeo", "list-tags", "--tls-verify=false", "docker://" + registry + "/loc/app"))
        .contains("\"1\"");

    // the name removed: nothing is served under it, and the tag is not listed
    strata("image", "rm", "loc/app:1");
    assertThat(
            exit("skopeo", "inspect", "--tls-verify=false", "docker://" + registry + "/loc/app:1"))
        .isNotZero();
    // the manifests published before went with their names: each was a view of an image no tag
    // names any more (deleted by the sweep after the tag change, at the latest by the gc's), so
    // the repository holds nothing (404 NAME_UNKNOWN)
    strata("gc");
    assertThat(
            exit("skopeo", "list-tags", "--tls-verify=false", "docker://" + registry + "/loc/app"))
        .isNotZero();
    for (String published : new String[] {v1, v2}) {
      assertThat(
              exit(
                  "skopeo",
                  "inspect",
                  "--tls-verify=false",
                  "docker://" + registry + "/loc/app@" + published))
          .as(published)
          .isNotZero();
    }

    // and a new image of that name is published by the next pull
    importVersion("loc/app:1", "four\n");
    assertThat(pulledVersion("loc/app:1")).isEqualTo("four\n");
    assertThat(server.cli("fsck").code()).isZero();
  }

  /**
   * A manifest a Strata image arrived with (here an OCI layout of gzip layers imported under a
   * second tag) is served by its digest, as by its tag: a pull by digest through any node of a
   * fleet must find it (AM1), and on one node it was 404 until a pull by tag had published it.
   */
  @Test
  void aManifestAStrataImageArrivedWithIsServedByItsDigest() throws Exception {
    importVersion("loc/dig:1", "by digest\n");
    String own = digest("loc/dig:1");
    Path layout = Files.createTempDirectory(dir, "gzip");
    run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "--dest-compress",
        "--dest-compress-format",
        "gzip",
        "docker://" + registry + "/loc/dig:1",
        "oci:" + layout + ":1");
    strata("image", "import", layout + ":1", "-t", "loc/dig:gz");
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    String gz = index.path("manifests").path(0).path("digest").asText();
    assertThat(gz).isNotEqualTo(own);
    // loc/dig:1, with no manifest of its own, exports the image's latest one now: its published
    // tag follows
    assertThat(digest("loc/dig:1")).isEqualTo(gz);

    assertThat(digest("loc/dig@" + gz)).isEqualTo(gz);
    assertThat(pulledVersion("loc/dig@" + gz)).isEqualTo("by digest\n");
    // a digest no image of the repository arrived with stays unknown
    assertThat(
            exit(
                "skopeo",
                "inspect",
                "--tls-verify=false",
                "docker://" + registry + "/loc/other@" + gz))
        .isNotZero();
  }

  @Test
  void aTagAClientPushedStaysAsPushedWhateverBecomesOfTheStrataName() throws Exception {
    importVersion("loc/src:1", "pushed\n");
    Path layout = Files.createTempDirectory(dir, "push");
    run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://" + registry + "/loc/src:1",
        "oci:" + layout + ":1");
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":1",
        "docker://" + registry + "/loc/pushed:9");
    String pushed = digest("loc/pushed:9");
    importVersion("loc/pushed:9", "local\n");
    assertThat(digest("loc/pushed:9")).isEqualTo(pushed);
    assertThat(pulledVersion("loc/pushed:9")).isEqualTo("pushed\n");

    // removing the Strata name says the registry goes on serving what was pushed (U4-U6)
    var rm = server.cli("rmi", "loc/pushed:9");
    assertThat(rm.code()).as(rm.stderr()).isZero();
    assertThat(rm.out()).startsWith("Untagged: loc/pushed:9\n");
    assertThat(rm.stderr())
        .contains("the registry still serves loc/pushed:9 as it was pushed there")
        .contains("DELETE /v2/loc/pushed/manifests/");
    assertThat(digest("loc/pushed:9")).isEqualTo(pushed);
    // a tag published from a Strata image follows the name: nothing is said of it
    importVersion("loc/published:1", "p\n");
    digest("loc/published:1");
    var rmPublished = server.cli("rmi", "loc/published:1");
    assertThat(rmPublished.code()).as(rmPublished.stderr()).isZero();
    assertThat(rmPublished.stderr()).doesNotContain("still serves");
  }
}

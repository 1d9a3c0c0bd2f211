package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.testing.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial finding Q1, end to end (a real stratad process, the real CLI, curl): an image pulled
 * by name from the registry (which publishes it) and then removed kept its manifest, config and
 * layer chunks for good, and nothing an operator could see or run freed them; {@code blob rm} of
 * its blobs left the manifest served while its layer answered 404. Now the published manifest goes
 * with the name that published it, so {@code rmi} then {@code gc}, {@code image prune} and {@code
 * system prune} give back every byte; a manifest a client pushed stays, and {@code blob rm} of a
 * blob the registry holds is refused.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RegistryPublishedViewIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;
  private String registry;
  private Cli cli;

  private Cli.Result strata(String... args) {
    Cli.Result r = cli.strata(args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r).isZero();
    return r;
  }

  private long storedAfterGc() {
    strata("gc");
    return Long.parseLong(strata("info", "--format", "{{.StoredBytes}}").out().trim());
  }

  /** {@code curl} of {@code path} under the registry's {@code /v2/}: status, headers and body. */
  private String curl(String... args) throws Exception {
    StringBuilder cmd = new StringBuilder("curl -sS --max-time 60");
    for (String a : args) {
      cmd.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    Cli.Result r = Cli.sh(cmd.toString(), 90);
    assertThat(r.exit()).as(cmd + ": " + r).isZero();
    return r.out();
  }

  private int status(String path) throws Exception {
    return Integer.parseInt(
        curl("-o", "/dev/null", "-w", "%{http_code}", "http://" + registry + "/v2/" + path).trim());
  }

  /** Pulls manifest {@code repo:tag} by name, as docker, ctr and skopeo do; its digest. */
  private String pullManifest(String repo, String tag) throws Exception {
    String head =
        curl(
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-H",
            "Accept: " + OCI_MANIFEST,
            "http://" + registry + "/v2/" + repo + "/manifests/" + tag);
    assertThat(head).as(head).startsWith("HTTP/1.1 200");
    for (String line : head.split("\r?\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("docker-content-digest:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    throw new AssertionError("no Docker-Content-Digest in " + head);
  }

  private JsonNode manifest(String repo, String digest) throws Exception {
    return JSON.readTree(
        curl(
            "-H",
            "Accept: " + OCI_MANIFEST,
            "http://" + registry + "/v2/" + repo + "/manifests/" + digest));
  }

  /** A directory holding one file of {@code size} random bytes, imported as {@code ref}. */
  private void importRandom(String ref, long seed, int size) throws Exception {
    Path d = Files.createTempDirectory(dir, "ctx");
    Files.write(d.resolve("f"), TestData.random(seed, size));
    strata("image", "import", d.toString(), "-t", ref);
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(
        b.timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A monolithic upload of {@code blob} to {@code repo}: POST, then PUT with the bytes. */
  private String pushBlob(String repo, byte[] blob) throws Exception {
    String digest = Tars.sha256(blob);
    HttpResponse<byte[]> start =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://" + registry + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(start.statusCode()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put =
        URI.create("http://" + registry)
            .resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    assertThat(
            send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofByteArray(blob)))
                .statusCode())
        .isEqualTo(201);
    return digest;
  }

  /** Pushes an image of one uncompressed layer {@code tar} as {@code repo:1}. */
  private void pushImage(String repo, byte[] tar) throws Exception {
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":[\""
                + Tars.sha256(tar)
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    String layer = pushBlob(repo, tar);
    String cfg = pushBlob(repo, config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + cfg
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\""
                + layer
                + "\",\"size\":"
                + tar.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> r =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://" + registry + "/v2/" + repo + "/manifests/1"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .header("Content-Type", OCI_MANIFEST));
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
  }

  /** Waits for the push of {@code repo} to be imported as a Strata image. */
  private void awaitImage(String repo) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!strata("image", "ls").out().contains(repo)) {
      assertThat(System.nanoTime()).as("the push of " + repo + " imported").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aPublishedImageIsFreedByTheUsualCommandsAndAPushedOneStays() throws Exception {
    Tools.require("curl");
    registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--registry",
            registry)) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      cli = new Cli(s.port());

      // a client pushes an image: the registry's own, which nothing here may take, even once the
      // Strata image made of it is removed
      byte[] pushedTar = Tars.of(java.util.Map.of("srv/pushed", TestData.random(1, 1 << 20)));
      pushImage("push/b", pushedTar);
      String pushedLayer = manifest("push/b", "1").path("layers").path(0).path("digest").asText();
      awaitImage("push/b");
      strata("rmi", "push/b:1");
      long baseline = storedAfterGc();

      // rmi then gc: the import and what its pull published, all freed
      importRandom("x/a:1", 2, 3_000_000);
      String published = pullManifest("x/a", "1");
      JsonNode m = manifest("x/a", published);
      String layer = m.path("layers").path(0).path("digest").asText();
      assertThat(strata("blob", "ls", "--no-trunc").out()).contains(published, layer);
      assertThat(storedAfterGc() - baseline).isGreaterThan(3_000_000L);
      // blob rm of a blob the registry holds is refused, and the image stays whole
      Cli.Result rm = cli.strata("blob", "rm", layer);
      assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
      assertThat(rm.err()).contains("registry repository x/a holds it");
      rm = cli.strata("blob", "rm", published);
      assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
      assertThat(rm.err()).contains("a manifest of registry repository x/a");
      assertThat(status("x/a/manifests/" + published)).isEqualTo(200);
      assertThat(status("x/a/blobs/" + layer)).isEqualTo(200);

      strata("rmi", "x/a:1");
      assertThat(storedAfterGc()).as("rmi then gc frees every byte").isEqualTo(baseline);
      assertThat(status("x/a/manifests/" + published)).isEqualTo(404);
      assertThat(status("x/a/blobs/" + layer)).isEqualTo(404);
      assertThat(status("x/a/tags/list")).as("the repository holds nothing").isEqualTo(404);
      assertThat(strata("blob", "ls", "--no-trunc").out()).doesNotContain(published, layer);

      // a name moved, then image prune; a name removed by system prune
      importRandom("x/c:1", 3, 2_000_000);
      String first = pullManifest("x/c", "1");
      importRandom("x/c:1", 4, 2_000_000);
      String second = pullManifest("x/c", "1");
      assertThat(second).isNotEqualTo(first);
      strata("image", "prune", "-f"); // the first image, untagged now
      assertThat(status("x/c/manifests/" + first)).isEqualTo(404);
      assertThat(status("x/c/manifests/1")).isEqualTo(200);
      strata("system", "prune", "-a", "-f");
      assertThat(status("x/c/manifests/" + second)).isEqualTo(404);
      assertThat(storedAfterGc()).as("prunes free every byte").isEqualTo(baseline);

      // the pushed image: its manifest and layer stay, whatever becomes of its Strata image
      assertThat(status("push/b/manifests/1")).isEqualTo(200);
      assertThat(status("push/b/blobs/" + pushedLayer)).isEqualTo(200);
      rm = cli.strata("blob", "rm", pushedLayer);
      assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
      assertThat(rm.err()).contains("registry repository push/b holds it");
      byte[] layerBack =
          send(HttpRequest.newBuilder(
                  URI.create("http://" + registry + "/v2/push/b/blobs/" + pushedLayer)))
              .body();
      assertThat(layerBack).isEqualTo(pushedTar);
      assertThat(strata("fsck").out()).contains("no damage");
    }
  }
}

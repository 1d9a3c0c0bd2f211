package io.strata.server;

import static io.strata.server.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial finding H2: a manifest PUT whose Content-Type contradicts the body, or is no manifest
 * type, is refused with 400 MANIFEST_INVALID as Debian's docker-registry refuses it, and leaves the
 * tag skopeo pushed correctly served as it was (before, each was stored with 201 and relabelled the
 * manifest, so that neither skopeo nor ctr could pull the good tag). Skipped, saying so, where
 * skopeo is not installed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RegistryManifestTypeIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";

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

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(
        b.timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/" + path));
  }

  /** PUTs {@code body} as manifest {@code repo:ref} with {@code type} (null: no Content-Type). */
  private static HttpResponse<byte[]> put(String repo, String ref, byte[] body, String type)
      throws Exception {
    HttpRequest.Builder b =
        at(repo + "/manifests/" + ref).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    return send(b);
  }

  private static String contentType(String repo, String ref) throws Exception {
    HttpResponse<byte[]> r =
        send(at(repo + "/manifests/" + ref).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("Content-Type").orElseThrow();
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(b);
    }
    return out.toByteArray();
  }

  /**
   * An OCI layout tagged 1 whose manifest has no {@code mediaType}, as umoci writes them (the
   * tester's busybox layout); OCI allows it.
   */
  private static Path bareLayout(String name) throws IOException {
    byte[] tar = Tars.of("etc/hello", "hello\n");
    Path l = Tars.gzipLayout(dir.resolve(name), tar, gzip(tar));
    JsonNode index = JSON.readTree(l.resolve("index.json").toFile());
    Path old =
        l.resolve(
            "blobs/sha256/" + index.path("manifests").path(0).path("digest").asText().substring(7));
    String manifest = Files.readString(old).replace("\"mediaType\":\"" + OCI_MANIFEST + "\",", "");
    assertThat(manifest).startsWith("{\"schemaVersion\":2,\"config\"");
    Files.delete(old);
    byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
    String d = Tars.sha256(bytes);
    Files.write(l.resolve("blobs/sha256/" + d.substring(7)), bytes);
    Files.writeString(
        l.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
            + OCI_MANIFEST
            + "\",\"digest\":\""
            + d
            + "\",\"size\":"
            + bytes.length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}");
    return l;
  }

  private static void refused(HttpResponse<byte[]> r, String repo, String... says)
      throws IOException {
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(r.statusCode()).as(text).isEqualTo(400);
    JsonNode error = JSON.readTree(text).path("errors").path(0);
    assertThat(error.path("code").asText()).as(text).isEqualTo("MANIFEST_INVALID");
    assertThat(error.path("message").asText())
        .as(text)
        .startsWith("manifest " + repo + ":other: ")
        .contains(says)
        .doesNotContain("\n");
  }

  @Test
  void aContentTypeTheBodyContradictsIsRefusedAndTheGoodTagStaysPullable() throws Exception {
    Path layout = bareLayout("bare");
    String good = "docker://" + registry + "/it/x:good";
    run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":1", good);
    byte[] body =
        run("skopeo", "inspect", "--raw", "--tls-verify=false", good)
            .getBytes(StandardCharsets.UTF_8);
    assertThat(JSON.readTree(body).has("mediaType")).as("a body without mediaType").isFalse();
    assertThat(contentType("it/x", "good")).isEqualTo(OCI_MANIFEST);
    String imagesBefore = server.cli("image", "ls").out();

    // the tester's four PUTs, each 400 MANIFEST_INVALID from distribution 2.8, and no type at all
    refused(put("it/x", "other", body, OCI_INDEX), "it/x", "sent as an index", "config or layers");
    refused(
        put("it/x", "other", body, "application/json"), "it/x", "Content-Type application/json");
    refused(put("it/x", "other", body, "text/plain"), "it/x", "Content-Type text/plain");
    refused(put("it/x", "other", body, DOCKER_MANIFEST), "it/x", "has no mediaType");
    refused(put("it/x", "other", body, null), "it/x", "without a Content-Type");
    // a body that names its type is refused under another one
    byte[] named =
        new String(body, StandardCharsets.UTF_8)
            .replace(
                "{\"schemaVersion\":2,",
                "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",")
            .getBytes(StandardCharsets.UTF_8);
    refused(
        put("it/x", "other", named, DOCKER_MANIFEST),
        "it/x",
        "its mediaType " + OCI_MANIFEST + " disagrees with its Content-Type " + DOCKER_MANIFEST);

    // nothing stored: the good tag is served as pushed, skopeo reads it, no tag or image "other"
    assertThat(contentType("it/x", "good")).isEqualTo(OCI_MANIFEST);
    assertThat(run("skopeo", "inspect", "--tls-verify=false", good)).contains("it/x");
    assertThat(run("skopeo", "list-tags", "--tls-verify=false", "docker://" + registry + "/it/x"))
        .contains("good")
        .doesNotContain("other");
    assertThat(server.cli("image", "ls").out()).isEqualTo(imagesBefore);

    // the same bytes under another tag with the type they are: stored, and served as that type
    HttpResponse<byte[]> ok = put("it/x", "other", body, OCI_MANIFEST + "; charset=utf-8");
    assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    assertThat(contentType("it/x", "other")).isEqualTo(OCI_MANIFEST);
    assertThat(contentType("it/x", "good")).isEqualTo(OCI_MANIFEST);
  }

  @Test
  void anIndexWithoutMediaTypeIsStoredAsAnIndexAndRefusedAsAManifest() throws Exception {
    Path layout = bareLayout("bare-index");
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":1",
        "docker://" + registry + "/it/idx:image");
    String image =
        run(
            "skopeo",
            "inspect",
            "--raw",
            "--tls-verify=false",
            "docker://" + registry + "/it/idx:image");
    byte[] index =
        ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + OCI_MANIFEST
                + "\",\"digest\":\""
                + Tars.sha256(image.getBytes(StandardCharsets.UTF_8))
                + "\",\"size\":"
                + image.length()
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}")
            .getBytes(StandardCharsets.UTF_8);
    refused(put("it/idx", "other", index, OCI_MANIFEST), "it/idx", "lists manifests");
    HttpResponse<byte[]> ok = put("it/idx", "multi", index, OCI_INDEX);
    assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    assertThat(contentType("it/idx", "multi")).isEqualTo(OCI_INDEX);
    assertThat(
            run(
                "skopeo",
                "inspect",
                "--tls-verify=false",
                "docker://" + registry + "/it/idx:multi"))
        .contains("it/idx");
  }
}

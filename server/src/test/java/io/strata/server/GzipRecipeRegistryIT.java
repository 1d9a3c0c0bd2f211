package io.strata.server;

import static io.strata.server.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gzip layers pushed by skopeo to {@code stratad --registry}: one written by Go's compress/gzip is
 * kept as its files' chunks plus a recipe (no whole compressed copy), so a v2 that edits a few
 * files adds little; one no known compressor reproduces is kept whole. Both come back byte for
 * byte, digests unchanged. Skipped, saying so, where skopeo is not installed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GzipRecipeRegistryIT {
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
                // no blob cache: every pull regenerates, which is what these tests are about
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0)).withBlobCache(0)));
    registry = "127.0.0.1:" + server.server().registryAddress().getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** An OCI layout tagged 1 whose one layer is {@code gz}, the gzip of {@code tar}. */
  private static Path layout(String name, byte[] tar, byte[] gz) throws IOException {
    return Tars.gzipLayout(dir.resolve(name), tar, gz);
  }

  private static byte[] goGzip(String name, byte[] tar) throws Exception {
    Path t = dir.resolve(name + ".tar");
    Files.write(t, tar);
    return Files.readAllBytes(GoGzip.gzip(t, 6));
  }

  private static JsonNode info() throws IOException {
    TestServer.CliRun r = server.cli("--json", "info");
    assertThat(r.code()).as(r.stderr()).isZero();
    return JSON.readTree(r.stdout());
  }

  /** Gzip blobs the registry tried to turn into recipes since it started. */
  private static long seen() throws IOException {
    long n = 0;
    for (JsonNode f : info().path("gzipRecipes")) {
      n += f.path("seen").asLong();
    }
    return n;
  }

  /**
   * Pushes the layout (one new gzip layer) and waits (bounded) until the registry made it a Strata
   * image and tried its layer for a recipe (after the push: the blob is stored whole at its PUT),
   * then collects garbage; returns the bytes the push then added to the store.
   */
  private static long push(Path layout, String repo) throws Exception {
    assertThat(server.cli("gc").code()).isZero();
    long before = info().path("storedBytes").asLong();
    long tried = seen();
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":1",
        "docker://" + registry + "/" + repo + ":1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!server.cli("image", "ls").out().contains(repo)) {
      assertThat(System.nanoTime()).as("%s imported as a Strata image", repo).isLessThan(deadline);
      Thread.sleep(100);
    }
    while (seen() == tried) {
      assertThat(System.nanoTime()).as("%s tried for a recipe", repo).isLessThan(deadline);
      Thread.sleep(100);
    }
    // the whole copy the push stored goes when a recipe replaced it
    assertThat(server.cli("gc").code()).isZero();
    return info().path("storedBytes").asLong() - before;
  }

  /** Pulls the image back with skopeo and checks every blob is the pushed one, byte for byte. */
  private static void pullsBackUnchanged(Path src, String repo) throws Exception {
    Path back = dir.resolve(repo.replace('/', '-') + "-back");
    run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://" + registry + "/" + repo + ":1",
        "oci:" + back + ":1");
    try (Stream<Path> s = Files.list(src.resolve("blobs/sha256"))) {
      for (Path blob : s.toList()) {
        Path got = back.resolve("blobs/sha256").resolve(blob.getFileName());
        assertThat(got).exists();
        assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(blob));
      }
    }
  }

  private static JsonNode family(String name) throws IOException {
    for (JsonNode f : info().path("gzipRecipes")) {
      if (f.path("family").asText().equals(name)) {
        return f;
      }
    }
    return null;
  }

  @Test
  void aGoGzipLayerIsStoredAsItsFilesAndAnEditedV2AddsLittle() throws Exception {
    byte[] tar1 = Tars.of(Tars.textAndRandomFiles(14, 0));
    byte[] gz1 = goGzip("v1", tar1);
    Path v1 = layout("v1", tar1, gz1);
    long added1 = push(v1, "recipe/app");
    // Kept whole, the blob alone would take about its own size, and the imported layer as much
    // again; as a recipe, the blob's chunks are the layer's.
    assertThat(added1)
        .as("bytes v1 added (gzip layer %d bytes)", gz1.length)
        .isLessThan(gz1.length * 13L / 10);
    // a range of the regenerated blob, as a resuming client asks for it
    String layerDigest = Tars.sha256(gz1);
    HttpResponse<byte[]> range =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://" + registry + "/v2/recipe/app/blobs/" + layerDigest))
                    .header("Range", "bytes=100000-199999")
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(gz1, 100_000, 200_000));
    JsonNode go = family("os 255 (Go, klauspost, Java)");
    assertThat(go).as("gzipRecipes in info: %s", info()).isNotNull();
    assertThat(go.path("reproduced").asLong()).isPositive();
    pullsBackUnchanged(v1, "recipe/app");
    // the Strata image made from the push keeps its manifest: an export gives back the same
    // digests, and inspect names the manifest as docker does for a pulled image
    String manifest =
        JSON.readTree(Files.readAllBytes(v1.resolve("index.json")))
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    TestServer.CliRun inspect = server.cli("--json", "image", "inspect", "recipe/app:1");
    assertThat(JSON.readTree(inspect.stdout()).get(0).path("RepoDigests").toString())
        .contains("recipe/app@" + manifest);
    Path exported = dir.resolve("exported-v1");
    assertThat(
            server
                .cli(
                    "image", "export", "recipe/app:1", "-o", exported.toString(), "--format", "oci")
                .code())
        .isZero();
    try (Stream<Path> s = Files.list(v1.resolve("blobs/sha256"))) {
      for (Path blob : s.toList()) {
        assertThat(Files.readAllBytes(exported.resolve("blobs/sha256").resolve(blob.getFileName())))
            .isEqualTo(Files.readAllBytes(blob));
      }
    }

    byte[] tar2 = Tars.of(Tars.textAndRandomFiles(14, 3));
    byte[] gz2 = goGzip("v2", tar2);
    Path v2 = layout("v2", tar2, gz2);
    long added2 = push(v2, "recipe/app2");
    assertThat(added2).as("bytes v2 (3 files edited) added").isLessThan(gz2.length / 10);
    pullsBackUnchanged(v2, "recipe/app2");
    assertThat(server.cli("fsck").code()).isZero();
  }

  /**
   * A layer blob that is a gzip of a gzip of the tar (AR1): kept as a recipe of its outer gzip, its
   * contents (the inner gzip) were decompressed again by the layer import, so the image was made,
   * with a blob its recipe could not give back: every export of the image failed for good. The push
   * is stored and served as pushed, and no Strata image is made of it.
   */
  @Test
  void aLayerCompressedTwiceIsServedAsPushedAndMakesNoImage() throws Exception {
    byte[] tar = Tars.of(Map.of("etc/twice", "gzip in gzip\n".repeat(4000).getBytes()));
    Path inner = dir.resolve("twice-inner.tar.gz");
    Files.write(inner, goGzip("twice", tar));
    byte[] twice = Files.readAllBytes(GoGzip.gzip(inner, 6));
    Path l = layout("twice", tar, twice);
    long tried = seen();
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + l + ":1",
        "docker://" + registry + "/recipe/twice:1");
    // a good image pushed after it is imported after it, on the same thread: once it is listed,
    // the first push's import was decided
    byte[] after = Tars.of(Map.of("etc/after", "after the twice\n".repeat(4000).getBytes()));
    push(layout("after", after, goGzip("after", after)), "recipe/after");
    assertThat(seen()).as("the outer gzip tried for a recipe").isGreaterThan(tried);
    assertThat(server.cli("image", "ls").out()).doesNotContain("recipe/twice");
    pullsBackUnchanged(l, "recipe/twice");
  }

  @Test
  void aLayerNoKnownCompressorReproducesIsKeptWholeAndServedExactly() throws Exception {
    byte[] tar = Tars.of(Map.of("etc/zlib", "made by zlib\n".repeat(5000).getBytes()));
    Path gzFile = dir.resolve("zlib.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzFile))) {
      out.write(tar);
    }
    byte[] gz = Files.readAllBytes(gzFile);
    Path l = layout("zlib", tar, gz);
    JsonNode before = family("os 255 (Go, klauspost, Java)");
    push(l, "recipe/zlib");
    // java.util.zip writes OS 255, as Go does: one more seen, none more reproduced
    JsonNode after = family("os 255 (Go, klauspost, Java)");
    assertThat(after).as("gzipRecipes in info: %s", info()).isNotNull();
    long seen = before == null ? 0 : before.path("seen").asLong();
    long reproduced = before == null ? 0 : before.path("reproduced").asLong();
    assertThat(after.path("seen").asLong()).isEqualTo(seen + 1);
    assertThat(after.path("reproduced").asLong()).isEqualTo(reproduced);
    pullsBackUnchanged(l, "recipe/zlib");
    TestServer.CliRun get = server.cli("blob", "get", Tars.sha256(gz));
    assertThat(get.stdout()).isEqualTo(gz);
  }
}

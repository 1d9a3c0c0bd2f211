package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.testing.GoGzip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 item 3: an OCI layout with a Go-gzipped layer and an uncompressed one, imported and
 * exported again (OCI layout and docker-archive), gives back the same manifest, config and layer
 * blobs byte for byte, so every digest and pinned reference still matches; inspect shows the
 * manifest digest in RepoDigests.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExportDigestsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
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

  private static String put(Path layout, byte[] b) throws IOException {
    String d = Tars.sha256(b);
    Files.write(layout.resolve("blobs/sha256/" + d.substring(7)), b);
    return d;
  }

  private static String layer(String mediaType, byte[] blob, Path l) throws IOException {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + put(l, blob)
        + "\",\"size\":"
        + blob.length
        + "}";
  }

  @Test
  void anImportedImageExportsWithItsOwnDigests() throws Exception {
    Random r = new Random(3);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 30; i++) {
      byte[] b = new byte[1000 + r.nextInt(100_000)];
      if (i % 2 == 0) {
        r.nextBytes(b);
      } else {
        java.util.Arrays.fill(b, (byte) ('a' + i % 26));
      }
      files.put("opt/app/f" + i, b);
    }
    byte[] tar1 = Tars.of(files);
    byte[] tar2 = Tars.of("etc/motd", "an uncompressed layer\n");
    Path raw = dir.resolve("l1.tar");
    Files.write(raw, tar1);
    byte[] gz1 = Files.readAllBytes(GoGzip.gzip(raw, 9));

    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("blobs/sha256"));
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/app\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Tars.sha256(tar1)
                + "\",\""
                + Tars.sha256(tar2)
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    // key order and spacing a Strata export would not write: the manifest must come back as it is
    byte[] manifest =
        ("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\","
                + "\n  \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\","
                + " \"size\": "
                + config.length
                + ", \"digest\": \""
                + put(src, config)
                + "\"},\n  \"layers\": ["
                + layer("application/vnd.oci.image.layer.v1.tar+gzip", gz1, src)
                + ","
                + layer("application/vnd.oci.image.layer.v1.tar", tar2, src)
                + "]\n}\n")
            .getBytes(StandardCharsets.UTF_8);
    String md = put(src, manifest);
    Files.writeString(src.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        src.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
            + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
            + md
            + "\",\"size\":"
            + manifest.length
            + "}]}");

    ok("image", "import", src.toString(), "-t", "pinned/app:1");

    Path out = dir.resolve("out");
    ok("image", "export", "pinned/app:1", "-o", out.toString(), "--format", "oci");
    JsonNode index = JSON.readTree(Files.readAllBytes(out.resolve("index.json")));
    assertThat(index.path("manifests").path(0).path("digest").asText()).isEqualTo(md);
    try (Stream<Path> s = Files.list(src.resolve("blobs/sha256"))) {
      for (Path blob : s.toList()) {
        Path got = out.resolve("blobs/sha256").resolve(blob.getFileName());
        assertThat(got).as("exported blob %s", blob.getFileName()).exists();
        assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(blob));
      }
    }

    Path saved = dir.resolve("saved.tar");
    ok("image", "export", "pinned/app:1", "-o", saved.toString(), "--format", "docker-archive");
    Path unpacked = dir.resolve("saved");
    Files.createDirectories(unpacked);
    Process p =
        new ProcessBuilder("tar", "-C", unpacked.toString(), "-xf", saved.toString()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    JsonNode entry = JSON.readTree(Files.readAllBytes(unpacked.resolve("manifest.json"))).get(0);
    assertThat(entry.path("Layers").get(0).asText())
        .isEqualTo("blobs/sha256/" + Tars.sha256(gz1).substring(7));
    assertThat(Files.readAllBytes(unpacked.resolve(entry.path("Layers").get(0).asText())))
        .isEqualTo(gz1);
    assertThat(Files.readAllBytes(unpacked.resolve(entry.path("Config").asText())))
        .isEqualTo(config);

    JsonNode inspect = JSON.readTree(ok("--json", "image", "inspect", "pinned/app:1").stdout());
    assertThat(inspect.get(0).path("RepoDigests").toString()).contains("pinned/app@" + md);
    // a RepoDigest names the image wherever an image is named, as in docker
    JsonNode byDigest =
        JSON.readTree(ok("--json", "image", "inspect", "pinned/app@" + md).stdout());
    assertThat(byDigest.get(0).path("Id").asText()).isEqualTo(inspect.get(0).path("Id").asText());
    ok("create", "--name", "pinned-c", "pinned/app@" + md);
    assertThat(server.cli("image", "inspect", "pinned/app@sha256:" + "0".repeat(64)).code())
        .isEqualTo(4);

    // the docker-archive imports again as the same image
    ok("image", "import", saved.toString(), "-t", "pinned/again:1");
    assertThat(ok("image", "ls").out()).contains("pinned/again");
    assertThat(
            JSON.readTree(ok("--json", "image", "inspect", "pinned/again:1").stdout())
                .get(0)
                .path("Id")
                .asText())
        .isEqualTo(Tars.sha256(config));
    assertThat(List.of(server.cli("fsck").code())).containsExactly(0);
  }

  /**
   * One image (one config) arriving with two manifests, its layer uncompressed in one and gzipped
   * in the other: each tag exports the manifest it arrived with, as docker keeps a digest per
   * repository, and a tag made from a tag exports that tag's.
   */
  @Test
  void eachTagExportsTheManifestItArrivedWith() throws Exception {
    byte[] tar = Tars.of("etc/issue", "one image, two manifests\n");
    Path raw = dir.resolve("two.tar");
    Files.write(raw, tar);
    Path plain = Tars.plainLayout(dir.resolve("two-plain"), tar);
    Path gzip =
        Tars.gzipLayout(dir.resolve("two-gzip"), tar, Files.readAllBytes(GoGzip.gzip(raw, 6)));
    String plainDigest = digestIn(plain);
    String gzipDigest = digestIn(gzip);
    assertThat(plainDigest).isNotEqualTo(gzipDigest);

    ok("image", "import", plain.toString(), "-t", "two/plain:1");
    ok("image", "import", gzip.toString(), "-t", "two/gzip:1");
    assertThat(idOf("two/plain:1")).isEqualTo(idOf("two/gzip:1"));
    assertThat(exportedDigest("two/plain:1")).isEqualTo(plainDigest);
    assertThat(exportedDigest("two/gzip:1")).isEqualTo(gzipDigest);
    JsonNode inspect = JSON.readTree(ok("--json", "image", "inspect", "two/plain:1").stdout());
    assertThat(inspect.get(0).path("RepoDigests").toString())
        .contains("two/plain@" + plainDigest, "two/gzip@" + gzipDigest)
        .doesNotContain("two/plain@" + gzipDigest);

    ok("tag", "two/plain:1", "two/copy:1");
    assertThat(exportedDigest("two/copy:1")).isEqualTo(plainDigest);
    assertThat(exportedDigest("two/gzip@" + gzipDigest)).isEqualTo(gzipDigest);
    assertThat(exportedDigest("two/plain@" + plainDigest)).isEqualTo(plainDigest);

    // the tag arrives again with the other manifest: it exports that one now
    ok("image", "import", gzip.toString(), "-t", "two/plain:1");
    assertThat(exportedDigest("two/plain:1")).isEqualTo(gzipDigest);
    assertThat(exportedDigest("two/copy:1")).isEqualTo(plainDigest);
    assertThat(List.of(server.cli("fsck").code())).containsExactly(0);
  }

  private static String idOf(String ref) throws IOException {
    return JSON.readTree(ok("--json", "image", "inspect", ref).stdout()).get(0).path("Id").asText();
  }

  private static String digestIn(Path layout) throws IOException {
    return JSON.readTree(Files.readAllBytes(layout.resolve("index.json")))
        .path("manifests")
        .path(0)
        .path("digest")
        .asText();
  }

  private static String exportedDigest(String ref) throws IOException {
    Path out = Files.createTempDirectory(dir, "export-");
    Files.delete(out);
    ok("image", "export", ref, "-o", out.toString(), "--format", "oci");
    return digestIn(out);
  }

  private static JsonNode manifestOf(Path layout) throws IOException {
    String d =
        JSON.readTree(Files.readAllBytes(layout.resolve("index.json")))
            .path("manifests")
            .path(0)
            .path("digest")
            .asText();
    return JSON.readTree(Files.readAllBytes(layout.resolve("blobs/sha256/" + d.substring(7))));
  }

  @Test
  void layersStrataMadeExportGzipByDefaultAsGoWouldWriteThemAndZstdOnRequest() throws Exception {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("srv"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(tree.resolve("srv/f" + i), ("line " + i + "\n").repeat(3000));
    }
    ok("image", "import", tree.toString(), "-t", "made/here:1");

    Path plain = dir.resolve("plain");
    ok("image", "export", "made/here:1", "-o", plain.toString(), "--layer-compression", "none");
    JsonNode plainLayer = manifestOf(plain).path("layers").get(0);
    assertThat(plainLayer.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar");
    Path tar = plain.resolve("blobs/sha256/" + plainLayer.path("digest").asText().substring(7));

    Path gz = dir.resolve("gz");
    ok("image", "export", "made/here:1", "-o", gz.toString());
    JsonNode gzLayer = manifestOf(gz).path("layers").get(0);
    assertThat(gzLayer.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    byte[] blob =
        Files.readAllBytes(
            gz.resolve("blobs/sha256/" + gzLayer.path("digest").asText().substring(7)));
    // the bytes Go's compress/gzip writes at its default level, as docker pushes a layer
    Path copy = Files.copy(tar, dir.resolve("layer.tar"));
    assertThat(blob).isEqualTo(Files.readAllBytes(GoGzip.gzip(copy, 6)));
    assertThat(gzLayer.path("size").asLong()).isEqualTo(blob.length);
    assertThat(gzLayer.path("digest").asText()).isEqualTo(Tars.sha256(blob));

    Path zst = dir.resolve("zst");
    ok("image", "export", "made/here:1", "-o", zst.toString(), "--layer-compression", "zstd");
    JsonNode zLayer = manifestOf(zst).path("layers").get(0);
    assertThat(zLayer.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+zstd");
    ok("image", "import", zst.toString(), "-t", "made/zstd:1");
    assertThat(
            JSON.readTree(ok("--json", "image", "inspect", "made/zstd:1").stdout())
                .get(0)
                .path("RootFS")
                .path("Layers"))
        .isEqualTo(
            JSON.readTree(ok("--json", "image", "inspect", "made/here:1").stdout())
                .get(0)
                .path("RootFS")
                .path("Layers"));
    assertThat(
            server
                .cli("image", "export", "made/here:1", "-o", "x", "--layer-compression", "lz")
                .code())
        .isEqualTo(2);
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.digest.Digest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry endpoint of a real stratad, spoken to over raw sockets: uploads (monolithic,
 * chunked, resumed across a gc), ranges, tags, referrers, and hostile clients (oversized headers,
 * bad digests, lying ranges, path traversal, slow clients) refused with nothing stored.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryIT {
  @TempDir static Path dir;
  static TestServer server;
  static InetSocketAddress registry;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("data"))
                .withRegistry(
                    RegistryConfig.plain(new HostPort("127.0.0.1", 0))
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofHours(1))));
    registry = server.server().registryAddress();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static RawHttp connect() throws IOException {
    return new RawHttp(registry);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String digest(byte[] b) {
    return Digest.sha256(b, 0, b.length).toString();
  }

  private static String blobList() {
    return server.cli("--json", "blob", "ls").out();
  }

  /** Pushes {@code b} monolithically into {@code repo}; returns its digest. */
  private static String push(String repo, byte[] b) throws IOException {
    String d = digest(b);
    try (RawHttp h = connect()) {
      var r =
          h.send(
                  "POST /v2/"
                      + repo
                      + "/blobs/uploads/?digest="
                      + d
                      + " HTTP/1.1\nHost: r\n"
                      + "Content-Length: "
                      + b.length,
                  b)
              .read();
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
    return d;
  }

  @Test
  void versionCheckAnswers() throws IOException {
    try (RawHttp h = connect()) {
      var r = h.send("GET /v2/ HTTP/1.1\nHost: r", null).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }
  }

  @Test
  void aChunkedUploadResumesFromWhereTheServerSaysAfterARefusedChunk() throws IOException {
    byte[] blob = random(300_000, 1);
    String d = digest(blob);
    String loc;
    try (RawHttp h = connect()) {
      var start =
          h.send("POST /v2/it/chunked/blobs/uploads/ HTTP/1.1\nHost: r\nContent-Length: 0", null)
              .read();
      assertThat(start.status()).isEqualTo(202);
      loc = start.header("Location");
      var p1 =
          h.send(
                  "PATCH "
                      + loc
                      + " HTTP/1.1\nHost: r\nContent-Range: 0-99999\nContent-Length: 100000",
                  Arrays.copyOfRange(blob, 0, 100_000))
              .read();
      assertThat(p1.status()).isEqualTo(202);
      assertThat(p1.header("Range")).isEqualTo("0-99999");
      // a chunk that does not start where the upload ends is refused
      var gap =
          h.send(
                  "PATCH "
                      + loc
                      + " HTTP/1.1\nHost: r\nContent-Range: 150000-150009\nContent-Length: 10",
                  new byte[10])
              .read();
      assertThat(gap.status()).isEqualTo(416);
    }
    try (RawHttp h = connect()) {
      var status = h.send("GET " + loc + " HTTP/1.1\nHost: r", null).read();
      assertThat(status.status()).isEqualTo(204);
      assertThat(status.header("Range")).isEqualTo("0-99999");
      var put =
          h.send(
                  "PUT "
                      + loc
                      + "?digest="
                      + d
                      + " HTTP/1.1\nHost: r\nContent-Range: 100000-299999\n"
                      + "Content-Length: 200000",
                  Arrays.copyOfRange(blob, 100_000, 300_000))
              .read();
      assertThat(put.status()).as(put.text()).isEqualTo(201);
      assertThat(h.send("GET /v2/it/chunked/blobs/" + d + " HTTP/1.1\nHost: r", null).read().body())
          .isEqualTo(blob);
      // the upload is gone once finished
      assertThat(h.send("GET " + loc + " HTTP/1.1\nHost: r", null).read().status()).isEqualTo(404);
    }
  }

  @Test
  void anUploadSurvivesAGcAndIsGivenBackByteForByteWithRanges() throws IOException {
    byte[] blob = random(400_000, 2);
    String d = digest(blob);
    try (RawHttp h = connect()) {
      String loc =
          h.send("POST /v2/it/gc/blobs/uploads/ HTTP/1.1\nHost: r\nContent-Length: 0", null)
              .read()
              .header("Location");
      assertThat(
              h.send(
                      "PATCH "
                          + loc
                          + " HTTP/1.1\nHost: r\nContent-Range: 0-199999\nContent-Length: 200000",
                      Arrays.copyOfRange(blob, 0, 200_000))
                  .read()
                  .status())
          .isEqualTo(202);
      assertThat(server.cli("gc").code()).isZero();
      var put =
          h.send(
                  "PUT "
                      + loc
                      + "?digest="
                      + d
                      + " HTTP/1.1\nHost: r\nContent-Range: 200000-399999\n"
                      + "Content-Length: 200000",
                  Arrays.copyOfRange(blob, 200_000, 400_000))
              .read();
      assertThat(put.status()).as(put.text()).isEqualTo(201);
      assertThat(put.header("Docker-Content-Digest")).isEqualTo(d);
      assertThat(server.cli("gc").code()).isZero();
      var whole = h.send("GET /v2/it/gc/blobs/" + d + " HTTP/1.1\nHost: r", null).read();
      assertThat(whole.status()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(blob);
      var part =
          h.send("GET /v2/it/gc/blobs/" + d + " HTTP/1.1\nHost: r\nRange: bytes=1000-1999", null)
              .read();
      assertThat(part.status()).isEqualTo(206);
      assertThat(part.header("Content-Range")).isEqualTo("bytes 1000-1999/400000");
      assertThat(part.body()).isEqualTo(Arrays.copyOfRange(blob, 1000, 2000));
      var outside =
          h.send("GET /v2/it/gc/blobs/" + d + " HTTP/1.1\nHost: r\nRange: bytes=400000-", null)
              .read();
      assertThat(outside.status()).isEqualTo(416);
      var head = h.send("HEAD /v2/it/gc/blobs/" + d + " HTTP/1.1\nHost: r", null).read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo("400000");
    }
  }

  @Test
  void aBadDigestIsRefusedWithTheSpecErrorAndNothingIsStored() throws IOException {
    byte[] blob = random(50_000, 3);
    String lie = digest("something else".getBytes(StandardCharsets.UTF_8));
    String before = blobList();
    long spools = spools();
    try (RawHttp h = connect()) {
      var r =
          h.send(
                  "POST /v2/it/bad/blobs/uploads/?digest="
                      + lie
                      + " HTTP/1.1\nHost: r\n"
                      + "Content-Length: "
                      + blob.length,
                  blob)
              .read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.text()).contains("\"code\":\"DIGEST_INVALID\"");
      for (String d : new String[] {lie, digest(blob)}) {
        assertThat(
                h.send("HEAD /v2/it/bad/blobs/" + d + " HTTP/1.1\nHost: r", null)
                    .read(true)
                    .status())
            .isEqualTo(404);
      }
    }
    assertThat(blobList()).isEqualTo(before);
    assertThat(spools()).as("upload spools").isEqualTo(spools);
  }

  /** How many upload spools the data root holds. */
  private static long spools() throws IOException {
    try (var s = java.nio.file.Files.list(dir.resolve("data/tmp/registry-uploads"))) {
      return s.count();
    }
  }

  @Test
  void anUploadLyingAboutItsRangeIsRefusedAndKeepsNothingOfTheChunk() throws IOException {
    String loc;
    try (RawHttp h = connect()) {
      loc =
          h.send("POST /v2/it/liar/blobs/uploads/ HTTP/1.1\nHost: r\nContent-Length: 0", null)
              .read()
              .header("Location");
      // says 100 bytes, sends 10
      var r =
          h.send(
                  "PATCH " + loc + " HTTP/1.1\nHost: r\nContent-Range: 0-99\nContent-Length: 10",
                  new byte[10])
              .read();
      assertThat(r.status()).isEqualTo(416);
    }
    try (RawHttp h = connect()) {
      var status = h.send("GET " + loc + " HTTP/1.1\nHost: r", null).read();
      assertThat(status.status()).isEqualTo(204);
      assertThat(status.header("Range")).isEqualTo("0-0");
      // and a correct chunk then goes in from offset 0
      var ok =
          h.send(
                  "PATCH " + loc + " HTTP/1.1\nHost: r\nContent-Range: 0-9\nContent-Length: 10",
                  new byte[10])
              .read();
      assertThat(ok.status()).isEqualTo(202);
      assertThat(ok.header("Range")).isEqualTo("0-9");
    }
  }

  @Test
  void anOversizedManifestIsRefusedBeforeItsBodyAndTheConnectionClosed() throws IOException {
    try (RawHttp h = connect()) {
      var r =
          h.send(
                  "PUT /v2/it/huge/manifests/1 HTTP/1.1\nHost: r\n"
                      + "Content-Type: application/vnd.oci.image.manifest.v1+json\nContent-Length: "
                      + (5 << 20),
                  new byte[1024])
              .read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(h.closedByServer()).isTrue();
    }
    try (RawHttp h = connect()) {
      // a chunked body that grows past the limit is refused as it comes
      h.send(
          "PUT /v2/it/huge/manifests/2 HTTP/1.1\nHost: r\n"
              + "Content-Type: application/vnd.oci.image.manifest.v1+json\nTransfer-Encoding: chunked",
          null);
      byte[] piece = new byte[1 << 20];
      var chunk = ("100000\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        for (int i = 0; i < 6; i++) {
          h.raw(chunk).raw(piece).raw("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
      } catch (IOException closedWhileSending) {
        // the server may close before all of it is sent
      }
      assertThat(h.read().status()).isEqualTo(413);
    }
    assertThat(server.cli("image", "ls").out()).doesNotContain("it/huge");
  }

  @Test
  void aChunkedTransferEncodedPatchIsAppended() throws IOException {
    byte[] blob = random(3000, 9);
    try (RawHttp h = connect()) {
      String loc =
          h.send("POST /v2/it/te/blobs/uploads/ HTTP/1.1\nHost: r\nContent-Length: 0", null)
              .read()
              .header("Location");
      h.send("PATCH " + loc + " HTTP/1.1\nHost: r\nTransfer-Encoding: chunked", null);
      h.raw("bb8\r\n".getBytes(StandardCharsets.US_ASCII))
          .raw(blob)
          .raw("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      var r = h.read();
      assertThat(r.status()).isEqualTo(202);
      assertThat(r.header("Range")).isEqualTo("0-2999");
      var put =
          h.send(
                  "PUT "
                      + loc
                      + "?digest="
                      + digest(blob)
                      + " HTTP/1.1\nHost: r\nContent-Length: 0",
                  null)
              .read();
      assertThat(put.status()).as(put.text()).isEqualTo(201);
    }
  }

  @Test
  void aChunkCutShortByADroppedConnectionIsDropped() throws Exception {
    String loc;
    try (RawHttp h = connect()) {
      loc =
          h.send("POST /v2/it/dropped/blobs/uploads/ HTTP/1.1\nHost: r\nContent-Length: 0", null)
              .read()
              .header("Location");
      assertThat(
              h.send("PATCH " + loc + " HTTP/1.1\nHost: r\nContent-Length: 5", new byte[5])
                  .read()
                  .header("Range"))
          .isEqualTo("0-4");
      // promises 1000 bytes, sends 10, hangs up
      h.send("PATCH " + loc + " HTTP/1.1\nHost: r\nContent-Length: 1000", new byte[10]);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String range = null;
    while (System.nanoTime() < deadline) {
      try (RawHttp h = connect()) {
        var r = h.send("GET " + loc + " HTTP/1.1\nHost: r", null).read();
        range = r.header("Range");
        if (r.status() == 204 && "0-4".equals(range)) {
          break;
        }
      }
      Thread.sleep(50);
    }
    assertThat(range).isEqualTo("0-4");
  }

  @Test
  void oversizedHeadersAreRefusedAndTheConnectionClosed() throws IOException {
    try (RawHttp h = connect()) {
      String big = "X-Junk: " + "a".repeat(64 << 10);
      var r = h.send("GET /v2/ HTTP/1.1\nHost: r\n" + big, null).read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(h.closedByServer()).isTrue();
    }
  }

  @Test
  void pathTraversalInRepositoryNamesIsRefused() throws IOException {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    String before = blobList();
    for (String path :
        new String[] {
          "/v2/../../etc/manifests/latest",
          "/v2/it/../../x/manifests/latest",
          "/v2/it/%2e%2e/x/manifests/latest",
          "/v2//it/manifests/latest",
          "/v2/IT/Upper/manifests/latest"
        }) {
      try (RawHttp h = connect()) {
        var r =
            h.send(
                    "PUT "
                        + path
                        + " HTTP/1.1\nHost: r\nContent-Type: application/vnd.oci.image.manifest.v1+json\n"
                        + "Content-Length: "
                        + body.length,
                    body)
                .read();
        assertThat(r.status()).as(path).isBetween(400, 404);
      }
    }
    assertThat(blobList()).isEqualTo(before);
  }

  @Test
  void aSlowClientIsCutOffAfterTheIdleTimeout() throws IOException {
    try (RawHttp h = connect()) {
      h.raw("GET /v2/ HT".getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      assertThat(h.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void manifestsTagsAndReferrers() throws IOException {
    String repo = "it/app";
    byte[] config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8);
    String c = push(repo, config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + c
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    String m = digest(manifest);
    try (RawHttp h = connect()) {
      for (String tag : new String[] {"a", "b", "c"}) {
        var put =
            h.send(
                    "PUT /v2/"
                        + repo
                        + "/manifests/"
                        + tag
                        + " HTTP/1.1\nHost: r\n"
                        + "Content-Type: application/vnd.oci.image.manifest.v1+json\nContent-Length: "
                        + manifest.length,
                    manifest)
                .read();
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(m);
      }
      var get = h.send("GET /v2/" + repo + "/manifests/b HTTP/1.1\nHost: r", null).read();
      assertThat(get.body()).isEqualTo(manifest);
      assertThat(get.header("Content-Type"))
          .isEqualTo("application/vnd.oci.image.manifest.v1+json");
      var page = h.send("GET /v2/" + repo + "/tags/list?n=2 HTTP/1.1\nHost: r", null).read();
      assertThat(page.text()).contains("[\"a\",\"b\"]");
      assertThat(page.header("Link")).contains("last=b");
      var rest = h.send("GET /v2/" + repo + "/tags/list?n=2&last=b HTTP/1.1\nHost: r", null).read();
      assertThat(rest.text()).contains("[\"c\"]");
      // a manifest naming a blob the repository lacks is refused
      byte[] orphan =
          new String(manifest, StandardCharsets.UTF_8)
              .replace(c, digest(new byte[] {9}))
              .getBytes(StandardCharsets.UTF_8);
      var bad =
          h.send(
                  "PUT /v2/"
                      + repo
                      + "/manifests/x HTTP/1.1\nHost: r\n"
                      + "Content-Type: application/vnd.oci.image.manifest.v1+json\nContent-Length: "
                      + orphan.length,
                  orphan)
              .read();
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.text()).contains("MANIFEST_BLOB_UNKNOWN");
      // an artifact whose subject is the manifest is listed by the referrers API
      byte[] sig =
          ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                  + "\"artifactType\":\"application/x-test-signature\","
                  + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\""
                  + c
                  + "\",\"size\":"
                  + config.length
                  + "},\"layers\":[],"
                  + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                  + m
                  + "\",\"size\":"
                  + manifest.length
                  + "}}")
              .getBytes(StandardCharsets.UTF_8);
      var ref =
          h.send(
                  "PUT /v2/"
                      + repo
                      + "/manifests/"
                      + digest(sig)
                      + " HTTP/1.1\nHost: r\n"
                      + "Content-Type: application/vnd.oci.image.manifest.v1+json\nContent-Length: "
                      + sig.length,
                  sig)
              .read();
      assertThat(ref.status()).as(ref.text()).isEqualTo(201);
      assertThat(ref.header("OCI-Subject")).isEqualTo(m);
      var refs = h.send("GET /v2/" + repo + "/referrers/" + m + " HTTP/1.1\nHost: r", null).read();
      assertThat(refs.text()).contains(digest(sig)).contains("application/x-test-signature");
      // delete by digest removes the manifest and its tags
      assertThat(
              h.send("DELETE /v2/" + repo + "/manifests/" + m + " HTTP/1.1\nHost: r", null)
                  .read()
                  .status())
          .isEqualTo(202);
      assertThat(h.send("GET /v2/" + repo + "/manifests/a HTTP/1.1\nHost: r", null).read().status())
          .isEqualTo(404);
      // a referrer a client pushed outlives its subject (the spec lets a registry keep it; only
      // the chunk indexes Strata made go with it)
      var kept = h.send("GET /v2/" + repo + "/referrers/" + m + " HTTP/1.1\nHost: r", null).read();
      assertThat(kept.text()).contains(digest(sig));
    }
  }

  @Test
  void crossRepositoryMountLinksWithoutSending() throws IOException {
    byte[] blob = random(10_000, 5);
    String d = push("it/source", blob);
    try (RawHttp h = connect()) {
      assertThat(
              h.send("HEAD /v2/it/dest/blobs/" + d + " HTTP/1.1\nHost: r", null)
                  .read(true)
                  .status())
          .isEqualTo(404);
      var r =
          h.send(
                  "POST /v2/it/dest/blobs/uploads/?mount="
                      + d
                      + "&from=it/source HTTP/1.1\nHost: r\nContent-Length: 0",
                  null)
              .read();
      assertThat(r.status()).isEqualTo(201);
      assertThat(h.send("GET /v2/it/dest/blobs/" + d + " HTTP/1.1\nHost: r", null).read().body())
          .isEqualTo(blob);
      // from a repository that does not hold it: an ordinary upload starts instead
      var miss =
          h.send(
                  "POST /v2/it/dest2/blobs/uploads/?mount="
                      + d
                      + "&from=it/nothing HTTP/1.1\nHost: r\nContent-Length: 0",
                  null)
              .read();
      assertThat(miss.status()).isEqualTo(202);
    }
  }
}

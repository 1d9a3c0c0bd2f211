package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.GzipRecipeCount;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.InfoReply;
import io.strata.store.testing.GoGzip;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real stratad is killed with SIGKILL after it answered 201 to the final PUT of a gzip layer:
 * right after the answers (the layer still staged, the tagged manifest's import not run), and while
 * the layer's job is storing it. Restarted, it gives the layer back byte for byte with its digest,
 * the job finishes (the layer becomes a recipe, nothing waits staged), the interrupted import of
 * the tagged image runs, and fsck finds nothing damaged.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RegistryStagedCrashIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  /** A Go-gzipped layer of 40 MiB, half text: its job (a replay and the chunking) takes seconds. */
  private byte[] layer() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      files.put(
          "srv/data/file" + i,
          i % 2 == 0 ? TestData.text(i, 2 << 20) : TestData.random(i, 2 << 20));
    }
    Path tar = dir.resolve("layer.tar");
    Files.write(tar, Tars.of(files));
    return Files.readAllBytes(GoGzip.gzip(tar, 6));
  }

  /** A monolithic upload: POST, then the final PUT with the bytes; the status of that PUT. */
  private static int pushBlob(String registry, String repo, byte[] blob, String digest)
      throws Exception {
    HttpResponse<String> start =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + registry + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofMinutes(1))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(start.statusCode()).as(start.body()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put =
        URI.create("http://" + registry)
            .resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    HttpResponse<String> done =
        HTTP.send(
            HttpRequest.newBuilder(put)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob))
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofMinutes(2))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
    return done.statusCode();
  }

  private static void pushManifest(String registry, String repo, String tag, byte[] manifest)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + registry + "/v2/" + repo + "/manifests/" + tag))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .timeout(Duration.ofMinutes(1))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private static HttpResponse<byte[]> get(String registry, String repo, String digest)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://" + registry + "/v2/" + repo + "/blobs/" + digest))
            .timeout(Duration.ofMinutes(2))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static long reproduced(InfoReply i) {
    return i.gzipRecipes().stream().mapToLong(GzipRecipeCount::reproduced).sum();
  }

  private StratadProcess launch(String registry) throws Exception {
    StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", dir.resolve("data").toString(), "--registry", registry);
    assertThat(s.awaitReady()).as(s.stderr()).isTrue();
    return s;
  }

  private static void kill(StratadProcess s) throws Exception {
    s.process().destroyForcibly(); // SIGKILL
    s.process().waitFor();
  }

  /**
   * Restarts after a kill and checks that the layer comes back, its job ends with a recipe, the
   * image {@code repo:1} exists (imported, or its interrupted import resumed), and fsck is clean.
   */
  private void afterRestart(String repo, byte[] gz, String digest) throws Exception {
    String registry = "127.0.0.1:" + TestData.freePort();
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      HttpResponse<byte[]> back = get(registry, repo, digest);
      assertThat(back.statusCode()).isEqualTo(200);
      assertThat(back.body()).isEqualTo(gz);
      assertThat(Tars.sha256(back.body())).isEqualTo(digest);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      InfoReply info = c.info();
      while (info.registryStagedBytes() > 0 || reproduced(info) == 0) {
        assertThat(System.nanoTime()).as("the job finished: %s", info).isLessThan(deadline);
        Thread.sleep(200);
        info = c.info();
      }
      while (c.images().stream().map(ImageItem::repository).noneMatch(repo::equals)) {
        assertThat(System.nanoTime()).as("%s:1 imported", repo).isLessThan(deadline);
        Thread.sleep(200);
      }
      // once stored as a recipe, the blob is regenerated byte for byte, and fsck finds nothing
      c.gc();
      HttpResponse<byte[]> again = get(registry, repo, digest);
      assertThat(again.body()).isEqualTo(gz);
      assertThat(c.fsck().damaged()).isEmpty();
      assertThat(s.stderr())
          .doesNotContain("stays staged")
          .as("the import the kill interrupted ran after the restart")
          .contains("manifest " + repo + ":1: resuming its import");
    }
  }

  private static byte[] manifest(String config, int configSize, String layer, int layerSize) {
    return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + config
            + "\",\"size\":"
            + configSize
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + layer
            + "\",\"size\":"
            + layerSize
            + "}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] config(byte[] tar) throws Exception {
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
            + Tars.sha256(tar)
            + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Pushes the image's config (stored at once: no gzip). */
  private byte[] pushConfig(String registry, String repo) throws Exception {
    byte[] cfg = config(Files.readAllBytes(dir.resolve("layer.tar")));
    pushBlob(registry, repo, cfg, Tars.sha256(cfg));
    return cfg;
  }

  /** Pushes the layer and the tagged manifest after the config; returns the layer's digest. */
  private static String push(String registry, String repo, byte[] cfg, byte[] gz) throws Exception {
    String digest = Tars.sha256(gz);
    pushBlob(registry, repo, gz, digest);
    pushManifest(registry, repo, "1", manifest(Tars.sha256(cfg), cfg.length, digest, gz.length));
    return digest;
  }

  @Test
  void killedRightAfterThePushTheLayerIsStagedAndItsJobAndImportRunAfterARestart()
      throws Exception {
    byte[] gz = layer();
    String registry = "127.0.0.1:" + TestData.freePort();
    String digest;
    try (StratadProcess s = launch(registry)) {
      digest = push(registry, "crash/now", pushConfig(registry, "crash/now"), gz);
      kill(s);
    }
    afterRestart("crash/now", gz, digest);
  }

  @Test
  void killedWhileTheJobStoresTheLayerItIsStillWholeAfterARestart() throws Exception {
    byte[] gz = layer();
    String registry = "127.0.0.1:" + TestData.freePort();
    String digest;
    try (StratadProcess s = launch(registry);
        StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
      byte[] cfg = pushConfig(registry, "crash/job");
      long before = c.info().chunks();
      digest = push(registry, "crash/job", cfg, gz);
      // the job is under way once the chunk store has new chunks while the layer is still staged
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      InfoReply info = c.info();
      while (info.chunks() == before) {
        assertThat(info.registryStagedBytes()).as("caught the job before it ended").isPositive();
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(10);
        info = c.info();
      }
      assertThat(info.registryStagedBytes())
          .as("caught the job before it ended")
          .isEqualTo(gz.length);
      kill(s);
    }
    afterRestart("crash/job", gz, digest);
  }
}

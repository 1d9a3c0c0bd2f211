package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.HostPort;
import io.strata.server.metrics.Scrape;
import io.strata.server.registry.RegistryConfig;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's alerts watch at {@code /metrics}: the damage fsck found (not just that it
 * answered, W2), and the registry endpoint's HTTP traffic with bounded labels (W4).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MetricsIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @TempDir Path dir;

  private ServerConfig config(Path data) {
    return ServerConfig.loopback(data).withMetrics(new HostPort("127.0.0.1", 0));
  }

  @Test
  void fsckDamageIsItsOwnMetricWhileTheRequestStillAnswersOk() throws Exception {
    Path data = dir.resolve("data");
    byte[] random = new byte[600_000];
    new Random(7).nextBytes(random);
    try (TestServer s = TestServer.start(config(data))) {
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(random), "blob", "put", "-").code())
          .isZero();
      assertThat(s.cli("fsck").code()).isZero();
      String clean = scrape(s);
      assertThat(Scrape.value(clean, "strata_fsck_runs_total{result=\"clean\"}")).isEqualTo(1);
      assertThat(Scrape.value(clean, "strata_fsck_runs_total{result=\"damaged\"}")).isEqualTo(0);
      assertThat(Scrape.value(clean, "strata_fsck_damaged{kind=\"chunk\"}")).isEqualTo(0);
      assertThat(Scrape.value(clean, "strata_fsck_last_run_completed")).isEqualTo(1);
      assertThat(Scrape.value(clean, "strata_fsck_last_run_timestamp_seconds"))
          .isGreaterThan(System.currentTimeMillis() / 1000.0 - 600);
    }
    flipMiddleByteOfLargestPack(data);
    try (TestServer s = TestServer.start(config(data))) {
      assertThat(s.cli("fsck").code()).isEqualTo(1);
      String damaged = scrape(s);
      assertThat(Scrape.value(damaged, "strata_fsck_runs_total{result=\"damaged\"}")).isEqualTo(1);
      assertThat(Scrape.value(damaged, "strata_fsck_damaged{kind=\"chunk\"}")).isGreaterThan(0);
      // the request answered: its outcome stays ok, the damage is in the metrics above
      assertThat(Scrape.value(damaged, "strata_requests_total{op=\"fsck\",outcome=\"ok\"}"))
          .isEqualTo(1);
    }
  }

  @Test
  void registryTrafficIsCountedByMethodRouteAndCodeWithItsBytes() throws Exception {
    try (TestServer s =
        TestServer.start(
            config(dir.resolve("data"))
                .withRegistry(RegistryConfig.plain(new HostPort("127.0.0.1", 0))))) {
      String base = "http://127.0.0.1:" + s.server().registryAddress().getPort() + "/v2/it/metrics";
      byte[] blob = new byte[100_000];
      new Random(3).nextBytes(blob);
      String d = TestData.sha256(blob);
      HttpResponse<byte[]> push =
          send(
              HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/?digest=" + d))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
      assertThat(push.statusCode()).isEqualTo(201);
      HttpResponse<byte[]> pull = send(HttpRequest.newBuilder(URI.create(base + "/blobs/" + d)));
      assertThat(pull.body()).isEqualTo(blob);
      HttpResponse<byte[]> head =
          send(
              HttpRequest.newBuilder(URI.create(base + "/blobs/" + d))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()));
      assertThat(head.statusCode()).isEqualTo(200);
      String missing = TestData.sha256("nothing".getBytes());
      HttpResponse<byte[]> notFound =
          send(HttpRequest.newBuilder(URI.create(base + "/blobs/" + missing)));
      assertThat(notFound.statusCode()).isEqualTo(404);

      String text = scrape(s);
      assertThat(
              Scrape.value(
                  text,
                  "strata_registry_requests_total{code=\"201\",method=\"POST\",route=\"upload\"}"))
          .isEqualTo(1);
      assertThat(
              Scrape.value(
                  text,
                  "strata_registry_requests_total{code=\"200\",method=\"GET\",route=\"blob\"}"))
          .isEqualTo(1);
      assertThat(
              Scrape.value(
                  text,
                  "strata_registry_requests_total{code=\"200\",method=\"HEAD\",route=\"blob\"}"))
          .isEqualTo(1);
      assertThat(
              Scrape.value(
                  text,
                  "strata_registry_requests_total{code=\"404\",method=\"GET\",route=\"blob\"}"))
          .isEqualTo(1);
      assertThat(Scrape.value(text, "strata_registry_received_bytes_total{route=\"upload\"}"))
          .isEqualTo(blob.length);
      assertThat(Scrape.value(text, "strata_registry_sent_bytes_total{route=\"blob\"}"))
          .isEqualTo(blob.length + notFound.body().length);
      assertThat(
              Scrape.value(text, "strata_registry_request_duration_seconds_count{route=\"blob\"}"))
          .isEqualTo(3);
      assertThat(Scrape.value(text, "strata_registry_connections_total")).isGreaterThan(0);
      // never a repository name or a digest as a label: the series stay few
      assertThat(text).doesNotContain("it/metrics").doesNotContain(d.substring(7));
    }
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(
        b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String scrape(TestServer s) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + s.server().metricsAddress().getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Damages a chunk: a byte in the middle of the largest pack file. */
  private static void flipMiddleByteOfLargestPack(Path data) throws Exception {
    Path victim;
    try (Stream<Path> files = Files.walk(data.resolve("chunks"))) {
      victim =
          files
              .filter(p -> p.getFileName().toString().endsWith(".pack"))
              .max(Comparator.comparingLong(p -> p.toFile().length()))
              .orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
      long mid = f.length() / 2;
      f.seek(mid);
      int b = f.read();
      f.seek(mid);
      f.write(b ^ 0xFF);
    }
  }
}

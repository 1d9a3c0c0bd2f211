package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server speaks: JSON log lines for start, the long operations (with duration and sizes) and
 * stop; {@code /metrics} with latency histograms per operation, JVM, process and build metrics,
 * written by Prometheus' client.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerLogsIT {
  @TempDir Path dir;

  @Test
  void jsonLogsTellStartLongOperationsAndStop() throws Exception {
    byte[] layer = Tars.of("etc/motd", "hello\n");
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--log-format",
            "json")) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
        c.importImage(
            new ImportArgs("app:1", null, "app.tar"), o -> o.write(layer), TransferListener.NONE);
        c.gc();
      }
      s.process().destroy(); // SIGTERM
      assertThat(s.awaitExit()).isZero();
      List<JsonNode> lines = s.stderr().lines().map(l -> tree(l)).toList();
      assertThat(lines)
          .isNotEmpty()
          .allMatch(l -> l.has("time") && l.has("level") && l.has("message"));
      List<String> messages = lines.stream().map(l -> l.get("message").asText()).toList();
      assertThat(messages).anyMatch(m -> m.startsWith("serving "));
      assertThat(messages)
          .anyMatch(
              m ->
                  m.matches(
                      "image\\.import ok in [0-9.]+ s: received "
                          + layer.length
                          + " bytes, sent [0-9]+ bytes"));
      assertThat(messages).anyMatch(m -> m.startsWith("gc ok in "));
      assertThat(messages).anyMatch(m -> m.startsWith("stopped"));
    }
  }

  @Test
  void aBadLogOptionIsAUsageError() throws Exception {
    try (StratadProcess s =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", dir.resolve("data").toString(), "--log-level", "loud")) {
      assertThat(s.awaitExit()).isEqualTo(2);
      assertThat(s.stderr())
          .startsWith("stratad: --log-level loud: expected error, warn, info or debug");
    }
  }

  @Test
  void metricsHaveHistogramsJvmProcessAndBuildInfo() throws Exception {
    try (TestServer s =
        TestServer.start(
            ServerConfig.loopback(dir.resolve("data")).withMetrics(new HostPort("127.0.0.1", 0)))) {
      String before = scrape(s);
      assertThat(before).contains("strata_dedup_ratio 1.0"); // empty: never below 1
      assertThat(s.cli("blob", "ls").code()).isZero();
      assertThat(s.cli("info").code()).isZero();
      String after = scrape(s);
      assertThat(after)
          .contains("# TYPE strata_request_duration_seconds histogram")
          .contains("strata_request_duration_seconds_bucket{op=\"blob.ls\",le=\"+Inf\"} 1")
          .contains("strata_request_duration_seconds_count{op=\"info\"} 1")
          .contains("strata_requests_total{op=\"info\",outcome=\"ok\"} 1")
          .containsPattern(
              "strata_build_info\\{commit=\"[0-9a-f]{12}(-dirty)?\",committed=\"20[0-9-]{8}T[0-9:]{8}Z\",java_version=")
          .contains("jvm_memory_used_bytes{")
          .contains("process_cpu_seconds_total ")
          .contains("strata_received_bytes_total ")
          .contains("strata_sent_bytes_total ");
    }
  }

  private static String scrape(TestServer s) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + s.server().metricsAddress().getPort()
                                + "/metrics"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static JsonNode tree(String line) {
    try {
      return Json.tree(line.getBytes(StandardCharsets.UTF_8), "log line");
    } catch (Exception e) {
      throw new AssertionError("not a JSON log line: " + line, e);
    }
  }
}

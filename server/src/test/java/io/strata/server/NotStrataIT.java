package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.strata.protocol.HostPort;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI pointed at something that is not stratad (an HTTP server, stratad's own metrics port)
 * says so in one line, at once, and exits 3, instead of waiting or quoting a frame length made of
 * the letters "HTTP".
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NotStrataIT {
  /** Well under the client's 10 s handshake deadline: the answer came at once, not by timeout. */
  private static final long AT_ONCE_NANOS = TimeUnit.SECONDS.toNanos(5);

  @TempDir Path dir;

  @Test
  void theMetricsPortIsNotAStrataServer() throws Exception {
    try (TestServer s =
        TestServer.start(ServerConfig.loopback(dir).withMetrics(new HostPort("127.0.0.1", 0)))) {
      String metrics = "127.0.0.1:" + s.server().metricsAddress().getPort();
      long start = System.nanoTime();
      TestServer.CliRun r = cli(s, metrics, "info");
      assertThat(System.nanoTime() - start).isLessThan(AT_ONCE_NANOS);
      assertThat(r.code()).as(r.stderr()).isEqualTo(3);
      assertThat(r.stderr()).startsWith("strata: " + metrics + " is not a Strata server (");
      assertThat(r.stderr().lines()).hasSize(1);
    }
  }

  @Test
  void anHttpServerIsNotAStrataServer() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.start();
    try (TestServer s = TestServer.start(dir)) {
      String address = "127.0.0.1:" + http.getAddress().getPort();
      for (String[] args : new String[][] {{"info"}, {"blob", "ls"}, {"image", "ls"}}) {
        long start = System.nanoTime();
        TestServer.CliRun r = cli(s, address, args);
        assertThat(System.nanoTime() - start).isLessThan(AT_ONCE_NANOS);
        assertThat(r.code()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stderr())
            .isEqualTo(
                "strata: "
                    + address
                    + " is not a Strata server (it answered \"HTTP/1.1 400 Bad Request\")\n");
      }
      // stratad itself pointed at the HTTP server by a pull: the same sentence, once
      TestServer.CliRun pull = s.cli("pull", "app:1", "--from", address);
      assertThat(pull.code()).as(pull.stderr()).isEqualTo(3);
      assertThat(pull.stderr())
          .isEqualTo(
              "strata: "
                  + address
                  + " is not a Strata server (it answered \"HTTP/1.1 400 Bad Request\")\n");
    } finally {
      http.stop(0);
    }
  }

  @Test
  void anUnreachablePeerIsNamedOnce() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (TestServer s = TestServer.start(dir)) {
      TestServer.CliRun pull = s.cli("pull", "app:1", "--from", "127.0.0.1:" + port);
      assertThat(pull.code()).isEqualTo(3);
      assertThat(pull.stderr())
          .startsWith("strata: cannot reach stratad at 127.0.0.1:" + port + ": ");
      assertThat(pull.stderr().split("127\\.0\\.0\\.1:" + port, -1)).hasSize(2);
    }
  }

  @Test
  void stratadItselfStillAnswers() throws Exception {
    try (TestServer s = TestServer.start(dir)) {
      TestServer.CliRun r = s.cli("info");
      assertThat(r.code()).as(r.stderr()).isZero();
    }
  }

  private static TestServer.CliRun cli(TestServer s, String host, String... args) {
    return s.cli(Map.of("STRATA_HOST", host), new ByteArrayInputStream(new byte[0]), args);
  }
}

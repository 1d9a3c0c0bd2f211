package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.PutReply;
import io.strata.server.handler.Limits;
import io.strata.store.driver.Drivers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance scenario 20 (the server) and the pipeline's limits, against a real stratad. */
class ServerIT {
  @TempDir Path dir;

  private ServerConfig config() {
    return ServerConfig.loopback(dir.resolve("data"));
  }

  @Test
  void tokensDecideWhoIsServed() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cret-token-42\n");
    Path wrong = Files.writeString(dir.resolve("wrong"), "wrong-token\n");
    try (TestServer s = TestServer.start(config().withToken("s3cret-token-42".getBytes()))) {
      TestServer.CliRun none = s.cli("info");
      assertThat(none.code()).isEqualTo(3);
      assertThat(none.stderr()).startsWith("strata: ").contains("requires a token");
      TestServer.CliRun bad = s.cli("--token-file", wrong.toString(), "info");
      assertThat(bad.code()).isEqualTo(3);
      assertThat(bad.stderr()).contains("wrong token");
      assertThat(s.cli("--token-file", token.toString(), "info").code()).isZero();
      TestServer.CliRun env =
          s.cli(
              Map.of("STRATA_TOKEN_FILE", token.toString()),
              new ByteArrayInputStream(new byte[0]),
              "info");
      assertThat(env.code()).isZero();
    }
  }

  @Test
  void hostileBytesCloseOnlyTheirConnection() throws Exception {
    try (TestServer s = TestServer.start(config());
        StrataClient bystander = s.client()) {
      Random rnd = new Random(20);
      for (int i = 0; i < 200; i++) {
        byte[] junk = new byte[1 + rnd.nextInt(4096)];
        rnd.nextBytes(junk);
        sendAndClose(s.address(), junk, 0);
      }
      byte[] huge = new byte[68];
      huge[0] = 0x7f;
      huge[1] = huge[2] = huge[3] = (byte) 0xff;
      sendAndClose(s.address(), huge, 0);
      byte[] ff = new byte[16];
      java.util.Arrays.fill(ff, (byte) 0xff);
      sendAndClose(s.address(), ff, 0);
      byte[] half = {0, 0, 0x10, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
      sendAndClose(s.address(), half, 300);

      assertThat(bystander.info().driver()).isEqualTo("btrfs");
      assertThat(s.cli("info").code()).isZero();
    }
  }

  private static void sendAndClose(HostPort at, byte[] bytes, long lingerMillis) throws Exception {
    try (Socket sock = new Socket(at.host(), at.port())) {
      sock.getOutputStream().write(bytes);
      Thread.sleep(lingerMillis);
    } catch (java.io.IOException e) {
      // The server may close first: that is the point.
    }
  }

  @Test
  void requestsOnOneConnectionRunConcurrently() throws Exception {
    try (TestServer s = TestServer.start(config());
        StrataClient c = s.client();
        RawPeer p = new RawPeer(s.address()).handshake(null)) {
      byte[] small = "small object".getBytes(StandardCharsets.UTF_8);
      String digest =
          c.put(new ByteArrayInputStream(small), (long) small.length, TransferListener.NONE)
              .digest();

      // stream 1: an upload left open; streams 2 and 3 are answered meanwhile
      p.request(1, Opcode.BLOB_PUT, "{}");
      p.frame(FrameType.DATA, 1, "first half, ".getBytes(StandardCharsets.UTF_8));
      p.request(2, Opcode.INFO, "{}");
      p.request(3, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\",\"offset\":0}");
      Map<Integer, RawPeer.Received> answers = new HashMap<>();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      while (answers.size() < 2) {
        RawPeer.Received r = p.read();
        if (r.type() == FrameType.DATA) {
          assertThat(r.stream()).isEqualTo(3);
          got.writeBytes(r.payload());
        } else {
          answers.put(r.stream(), r);
        }
      }
      assertThat(answers.keySet()).containsExactlyInAnyOrder(2, 3);
      assertThat(answers.get(2).status()).isEqualTo(Status.OK);
      assertThat(got.toByteArray()).isEqualTo(small);

      p.frame(FrameType.DATA, 1, "second half".getBytes(StandardCharsets.UTF_8));
      p.frame(FrameType.END, 1, new byte[0]);
      RawPeer.Received put = p.read();
      assertThat(put.stream()).isEqualTo(1);
      assertThat(put.status()).isEqualTo(Status.OK);
      assertThat(put.body())
          .contains(TestData.sha256("first half, second half".getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void aCancelledDownloadLeavesTheConnectionUsable() throws Exception {
    try (TestServer s = TestServer.start(config());
        StrataClient c = s.client();
        RawPeer p = new RawPeer(s.address()).handshake(null)) {
      byte[] big = TestData.random(5, 16 << 20);
      PutReply put = c.put(new ByteArrayInputStream(big), null, TransferListener.NONE);
      p.request(1, Opcode.BLOB_GET, "{\"digest\":\"" + put.digest() + "\",\"offset\":0}");
      assertThat(p.read().type()).isEqualTo(FrameType.DATA);
      p.frame(FrameType.CANCEL, 1, new byte[0]);
      RawPeer.Received end;
      do {
        end = p.read();
      } while (end.type() == FrameType.DATA);
      assertThat(end.status()).isEqualTo(Status.CANCELLED);
      p.request(2, Opcode.INFO, "{}");
      assertThat(p.read().status()).isEqualTo(Status.OK);
    }
  }

  @Test
  void aClientThatNeverReadsIsDisconnectedAndOthersCarryOn() throws Exception {
    Limits limits =
        Limits.defaults()
            .withTimeouts(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(1));
    try (TestServer s = TestServer.start(config().withLimits(limits));
        StrataClient c = s.client()) {
      byte[] big = TestData.random(6, 16 << 20);
      PutReply put = c.put(new ByteArrayInputStream(big), null, TransferListener.NONE);
      try (GaveUpOnSlowClients gaveUp = new GaveUpOnSlowClients();
          RawPeer p = new RawPeer(s.address()).handshake(null)) {
        p.request(1, Opcode.BLOB_GET, "{\"digest\":\"" + put.digest() + "\",\"offset\":0}");
        assertThat(gaveUp.await(Duration.ofSeconds(60)))
            .as("the server gives up on the peer that reads nothing")
            .isTrue();
        assertThat(c.info().version()).isNotEmpty();
        long read = p.drainToEof();
        assertThat(read).as("the server gave up before sending everything").isLessThan(big.length);
      }
      ByteArrayOutputStream again = new ByteArrayOutputStream();
      c.get(put.digest(), 0, -1, again, TransferListener.NONE);
      assertThat(again.size()).isEqualTo(big.length);
    }
  }

  @Test
  void silentConnectionsTimeOut() throws Exception {
    Limits limits =
        Limits.defaults()
            .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(60));
    try (TestServer s = TestServer.start(config().withLimits(limits))) {
      try (RawPeer noHandshake = new RawPeer(s.address())) {
        RawPeer.Received r = noHandshake.read();
        assertThat(r.status()).isEqualTo(Status.PROTOCOL_ERROR);
        assertThat(r.body()).contains("no handshake within 500 ms");
        assertThat(noHandshake.closedByServer()).isTrue();
      }
      try (RawPeer idle = new RawPeer(s.address()).handshake(null)) {
        // half a frame, then silence
        idle.send(new byte[] {0, 0, 0x10, 0, 1, 1});
        assertThat(idle.closedByServer()).isTrue();
      }
      try (RawPeer stalled = new RawPeer(s.address()).handshake(null)) {
        stalled.request(1, Opcode.BLOB_PUT, "{}");
        stalled.frame(FrameType.DATA, 1, new byte[10]);
        RawPeer.Received r = stalled.read();
        assertThat(r.stream()).isZero();
        assertThat(r.body()).contains("got no data");
      }
      assertThat(s.cli("info").code()).isZero();
    }
  }

  @Test
  void anEarlyErrorStopsAnUpload() throws Exception {
    try (TestServer s = TestServer.start(config());
        StrataClient c = s.client()) {
      InputStream tooLong = new ByteArrayInputStream(TestData.random(7, 4 << 20));
      try {
        c.put(tooLong, 1000L, TransferListener.NONE);
        throw new AssertionError("an upload longer than announced was accepted");
      } catch (StrataClientException e) {
        assertThat(e.status()).isEqualTo(Status.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("more than the announced 1000 bytes");
      }
      assertThat(c.info().logicalBytes()).isZero();
      assertThat(c.list()).isEmpty();
    }
  }

  /**
   * A container's writes are bytes users stored: counted in {@code logicalBytes}, so the dedup
   * ratio of a store holding only new bytes stays near 1, not 0.00 (the snapshot's root counts
   * none).
   */
  @Test
  void containerWritesCountAsLogicalBytes() throws Exception {
    Path img = dir.resolve("img");
    Files.createDirectories(img);
    Files.writeString(img.resolve("hello"), "hello\n");
    try (TestServer s = TestServer.start(config())) {
      for (String[] args :
          new String[][] {
            {"image", "import", img.toString(), "-t", "tiny:1"},
            {"create", "--name", "c1", "tiny:1"}
          }) {
        TestServer.CliRun r = s.cli(args);
        assertThat(r.code()).as(r.stderr()).isZero();
      }
      byte[] written = new byte[3_000_000];
      new Random(3).nextBytes(written);
      TestServer.CliRun w =
          s.cli(Map.of(), new ByteArrayInputStream(written), "fs", "c1", "write", "/r3");
      assertThat(w.code()).as(w.stderr()).isZero();
      TestServer.CliRun r = s.cli("--json", "info");
      assertThat(r.code()).as(r.stderr()).isZero();
      var info = Json.tree(r.stdout(), "info");
      assertThat(info.get("logicalBytes").asLong()).isGreaterThanOrEqualTo(3_000_000);
      // Not above 1 by construction: the tree's own nodes are unique bytes no user stored.
      assertThat(info.get("dedupRatio").asDouble()).isGreaterThan(0.99);
    }
  }

  @Test
  void driverListShowsTheDriversOwnView() throws Exception {
    try (TestServer s = TestServer.start(config())) {
      TestServer.CliRun r = s.cli("--json", "driver", "ls");
      assertThat(r.code()).as(r.stderr()).isZero();
      assertThat(Json.tree(r.stdout(), "driver ls").isArray()).isTrue();
    }
    try (TestServer z =
        TestServer.start(ServerConfig.loopback(dir.resolve("z")).withDriver("zfs"))) {
      TestServer.CliRun r = z.cli("driver", "ls");
      if (Drivers.available().contains("zfs")) {
        assertThat(r.code()).as(r.stderr()).isZero();
      } else {
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("strata: driver.ls: ").contains("without the zfs driver");
      }
    }
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    try (TestServer s = TestServer.start(config().withMetrics(new HostPort("127.0.0.1", 0)))) {
      assertThat(s.cli("blob", "put", "-").code()).isZero();
      assertThat(s.cli("gc").code()).isZero();
      assertThat(s.cli("blob", "stat", TestData.sha256(new byte[1])).code()).isEqualTo(4);
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + s.server().metricsAddress().getPort()
                                  + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(r.body())
          .contains("strata_requests_total{op=\"blob.put\",outcome=\"ok\"} 1")
          .contains("strata_requests_total{op=\"blob.stat\",outcome=\"not_found\"} 1")
          .contains("strata_gc_runs_total 1")
          .contains("strata_dedup_ratio ")
          .contains("strata_stored_bytes ")
          .contains("strata_chunks ")
          .contains("strata_received_bytes_total ")
          .contains("strata_sent_bytes_total ");
    }
  }

  /**
   * Waits for the server's log line that it closed a connection whose peer read nothing (rather
   * than sleeping past the timeout and hoping it fired).
   */
  private static final class GaveUpOnSlowClients implements AutoCloseable {
    // Held here: the logging framework keeps loggers only weakly.
    private final java.util.logging.Logger log =
        java.util.logging.Logger.getLogger("io.strata.server.handler.ConnectionAbort");
    private final java.util.concurrent.CountDownLatch seen =
        new java.util.concurrent.CountDownLatch(1);
    private final java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            Object[] params = r.getParameters();
            if (params != null
                && params.length > 1
                && String.valueOf(params[1]).startsWith("the client read nothing")) {
              seen.countDown();
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };

    GaveUpOnSlowClients() {
      log.addHandler(handler);
    }

    boolean await(Duration limit) throws InterruptedException {
      return seen.await(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      log.removeHandler(handler);
    }
  }
}

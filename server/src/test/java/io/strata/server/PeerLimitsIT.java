package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.Wire;
import io.strata.server.codec.FrameDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What peers together may take of a server (docs/PROTOCOL.md §6), against a stratad in its own JVM
 * with little memory: frames they leave unfinished, by the hundred, and connections up to the cap
 * (docs/ADVERSARIAL.md, D4 and D5).
 */
class PeerLimitsIT {
  @TempDir Path dir;

  /** The first bytes of a DATA frame of {@code length} on a stream nobody opened. */
  private static byte[] header(int length) {
    return ByteBuffer.allocate(Wire.LENGTH_FIELD + Wire.HEADER)
        .putInt(length)
        .put((byte) FrameType.DATA.code())
        .putInt(99)
        .array();
  }

  /** Sends all of a frame of {@code length} but its last byte; false if the server hung up. */
  private static boolean sendUnfinished(RawPeer p, int length) {
    try {
      p.send(header(length));
      p.send(new byte[length - Wire.HEADER - 1]);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * 160 peers each leave a 1 MiB frame unfinished, 160 MiB together, and 80 more the largest frame
   * a client sends, against a server with 128 MiB of heap and so of direct memory. Before frames
   * over 64 KiB shared a budget, that took all of it: other clients were cut off and the log had a
   * stack trace per connection. Now the peers past the budget are refused in a line each, and
   * another client's put and get go through.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void peersLeavingFramesUnfinishedLeaveTheServerServingOthers() throws Exception {
    byte[] content = TestData.random(1, 24 << 20);
    Path file = TestData.write(dir, "content", content);
    try (StratadProcess server =
        StratadProcess.launch(
            List.of("-Xmx128m"), dir.resolve("logs"), "--data", dir.resolve("data").toString())) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", server.port());
      List<RawPeer> peers = new ArrayList<>();
      try {
        int held = 0;
        for (int i = 0; i < 160; i++) {
          RawPeer p = new RawPeer(at).handshake(null);
          peers.add(p);
          held += sendUnfinished(p, Wire.MAX_FRAME_LENGTH) ? 1 : 0;
        }
        for (int i = 0; i < 80; i++) {
          RawPeer p = new RawPeer(at).handshake(null);
          peers.add(p);
          assertThat(sendUnfinished(p, FrameDecoder.OWN_FRAME)).as("own frame " + i).isTrue();
        }
        assertThat(held).isPositive();

        Cli cli = new Cli(server.port());
        Cli.Result put = cli.strata("blob", "put", file.toString());
        assertThat(put.exit()).as(put + server.stderr()).isZero();
        Path back = dir.resolve("back");
        Cli.Result get = cli.strata("blob", "get", put.out().trim(), "-o", back.toString());
        assertThat(get.exit()).as(get + server.stderr()).isZero();
        assertThat(Files.readAllBytes(back)).isEqualTo(content);
        assertThat(server.process().isAlive()).isTrue();
      } finally {
        for (RawPeer p : peers) {
          p.close();
        }
      }
      String log = server.stderr();
      assertThat(log)
          .doesNotContain("OutOfMemoryError")
          .doesNotContain("short of memory")
          .doesNotContain("\tat ");
      assertThat(log).contains("cannot be received now: frames over 65,543 bytes");
    }
  }

  /**
   * With as many connections open as the server takes (32 with 16 MiB of direct memory), the next
   * client is told the server is busy, not that it is no Strata server; once one closes, it gets
   * in.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aClientPastTheCapOnConnectionsIsToldTheServerIsBusy() throws Exception {
    try (StratadProcess server =
        StratadProcess.launch(
            List.of("-XX:MaxDirectMemorySize=16m"),
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString())) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", server.port());
      List<RawPeer> peers = new ArrayList<>();
      try {
        for (int i = 0; i < 32; i++) {
          peers.add(new RawPeer(at).handshake(null));
        }
        Cli cli = new Cli(server.port());
        Cli.Result busy = cli.strata("info");
        assertThat(busy.exit()).as(busy.toString()).isEqualTo(3);
        assertThat(busy.err())
            .isEqualTo(
                "strata: stratad at "
                    + at
                    + ": busy: 32 connections are open, its maximum; try again later\n");

        peers.remove(0).close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Cli.Result in;
        do {
          Thread.sleep(100);
          in = cli.strata("info");
        } while (in.exit() != 0 && System.nanoTime() < deadline);
        assertThat(in.exit()).as(in.toString()).isZero();
      } finally {
        for (RawPeer p : peers) {
          p.close();
        }
      }
      assertThat(server.stderr()).contains("refused: 32 connections are open, the maximum");
    }
  }

  /**
   * The registry's connections count against the same cap: with 31 protocol connections and one
   * registry connection open, the next registry request is answered 503 UNAVAILABLE in words, with
   * Retry-After; once one closes, the registry answers again. Before, the registry listener took
   * connections without a bound (docs/ADVERSARIAL.md, D4).
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void registryConnectionsShareTheCap() throws Exception {
    int registryPort = TestData.freePort();
    try (StratadProcess server =
        StratadProcess.launch(
            List.of("-XX:MaxDirectMemorySize=16m"),
            dir.resolve("logs"),
            "--data",
            dir.resolve("data").toString(),
            "--registry",
            "127.0.0.1:" + registryPort)) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", server.port());
      List<RawPeer> peers = new ArrayList<>();
      try (Socket held = new Socket("127.0.0.1", registryPort)) {
        // answered, so surely counted: one of the 32
        assertThat(v2(held)).startsWith("HTTP/1.1 200");
        for (int i = 0; i < 31; i++) {
          peers.add(new RawPeer(at).handshake(null));
        }
        try (Socket refused = new Socket("127.0.0.1", registryPort)) {
          String reply = v2(refused);
          assertThat(reply)
              .startsWith("HTTP/1.1 503")
              .containsIgnoringCase("retry-after: 1")
              .contains("\"code\":\"UNAVAILABLE\"")
              .contains("busy: 32 connections are open, its maximum; try again later");
        }
        peers.remove(0).close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String again;
        do {
          Thread.sleep(100);
          try (Socket s = new Socket("127.0.0.1", registryPort)) {
            again = v2(s);
          }
        } while (!again.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline);
        assertThat(again).startsWith("HTTP/1.1 200");
      } finally {
        for (RawPeer p : peers) {
          p.close();
        }
      }
      assertThat(server.stderr())
          .contains("to --registry refused: 32 connections are open, the maximum");
    }
  }

  /** Sends {@code GET /v2/} on {@code s} and returns the response's head and body as read. */
  private static String v2(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    s.getOutputStream()
        .write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    StringBuilder got = new StringBuilder();
    byte[] buf = new byte[4096];
    InputStream in = s.getInputStream();
    // the head, then as much body as Content-Length says
    while (true) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      int end = got.indexOf("\r\n\r\n");
      if (end >= 0) {
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(got);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (got.length() >= end + 4 + length) {
          break;
        }
      }
    }
    return got.toString();
  }
}

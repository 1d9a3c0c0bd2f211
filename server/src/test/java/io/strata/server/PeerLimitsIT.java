package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.Wire;
import io.strata.server.codec.FrameDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
}

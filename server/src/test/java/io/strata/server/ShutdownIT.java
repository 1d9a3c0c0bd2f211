package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.FrameType;
import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.server.handler.Limits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that never finish on their own: a pull from a host that accepts and then says nothing,
 * an upload whose END never comes, a download nobody reads. A CANCEL must still end them, they must
 * not take the engine threads other clients need, and shutdown must hold its grace period.
 */
@Timeout(120)
class ShutdownIT {
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final int ENGINE_THREADS = 4;

  @TempDir Path dir;

  private ServerConfig config() {
    Limits d = Limits.defaults();
    return ServerConfig.loopback(dir.resolve("data"))
        .withLimits(
            new Limits(
                d.maxFrameLength(),
                d.maxStreams(),
                d.maxConnections(),
                d.largeFrameBudget(),
                d.inboundHighWater(),
                d.inboundLowWater(),
                d.uploadBudget(),
                d.handshakeTimeout(),
                d.idleTimeout(),
                d.slowClientTimeout(),
                ENGINE_THREADS,
                GRACE));
  }

  /** A host that accepts connections, keeps them open and never sends a byte. */
  private static final class SilentHost implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();
    private final Semaphore arrivals = new Semaphore(0);
    private final Thread acceptor;

    SilentHost() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket s = server.accept();
                    synchronized (accepted) {
                      accepted.add(s);
                    }
                    arrivals.release();
                  }
                } catch (IOException e) {
                  // closed by the test
                }
              },
              "silent-host");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String address() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    /** Waits until {@code n} more connections arrived; false after 30 s. */
    boolean awaitConnections(int n) throws InterruptedException {
      return arrivals.tryAcquire(n, 30, TimeUnit.SECONDS);
    }

    /** Closes the listener and every connection, which ends the acceptor. */
    @Override
    public void close() throws IOException {
      server.close();
      synchronized (accepted) {
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  private static void pull(RawPeer peer, int stream, SilentHost host) throws IOException {
    peer.request(
        stream, Opcode.IMAGE_PULL, "{\"image\":\"app:1\",\"host\":\"" + host.address() + "\"}");
  }

  /** Reads until the RESPONSE on {@code stream}; the peer's socket timeout is the deadline. */
  private static RawPeer.Received response(RawPeer peer, int stream) throws IOException {
    while (true) {
      RawPeer.Received r = peer.read();
      if (r.type() == FrameType.RESPONSE && r.stream() == stream) {
        return r;
      }
    }
  }

  @Test
  void aCancelledPullFromASilentHostIsAnsweredAtOnce() throws Exception {
    try (SilentHost host = new SilentHost();
        TestServer s = TestServer.start(config());
        RawPeer peer = new RawPeer(s.address()).handshake(null)) {
      pull(peer, 1, host);
      assertThat(host.awaitConnections(1)).isTrue();
      peer.frame(FrameType.CANCEL, 1, new byte[0]);
      RawPeer.Received r = response(peer, 1);
      assertThat(r.status()).as(r.body()).isEqualTo(Status.CANCELLED);
      try (StrataClient c = s.client()) {
        assertThat(c.info().driver()).isEqualTo("btrfs");
      }
    }
  }

  @Test
  void pullsFromSilentHostsLeaveTheEngineThreadsToOthers() throws Exception {
    try (SilentHost host = new SilentHost();
        TestServer s = TestServer.start(config());
        RawPeer peer = new RawPeer(s.address()).handshake(null)) {
      int pulls = 2 * ENGINE_THREADS;
      for (int i = 1; i <= pulls; i++) {
        pull(peer, i, host);
      }
      assertThat(host.awaitConnections(pulls)).isTrue();
      try (RawPeer other = new RawPeer(s.address()).handshake(null)) {
        other.request(1, Opcode.INFO, "{}");
        RawPeer.Received r = response(other, 1);
        assertThat(r.status()).as(r.body()).isEqualTo(Status.OK);
      }
      for (int i = 1; i <= pulls; i++) {
        peer.frame(FrameType.CANCEL, i, new byte[0]);
      }
      // the answers come in whatever order the cancellations finish
      Map<Integer, Status> answers = new HashMap<>();
      while (answers.size() < pulls) {
        RawPeer.Received r = peer.read();
        if (r.type() == FrameType.RESPONSE) {
          assertThat(answers.put(r.stream(), r.status())).as("one RESPONSE per stream").isNull();
        }
      }
      for (int i = 1; i <= pulls; i++) {
        assertThat(answers.get(i)).as("stream " + i).isEqualTo(Status.CANCELLED);
      }
    }
  }

  @Test
  void shutdownWithStuckStreamsHoldsTheGracePeriod() throws Exception {
    try (SilentHost host = new SilentHost()) {
      TestServer s = TestServer.start(config());
      RawPeer peer = null;
      try {
        byte[] big = TestData.random(5, 8 << 20);
        String digest;
        try (StrataClient c = s.client()) {
          digest = c.put(new ByteArrayInputStream(big), null, TransferListener.NONE).digest();
        }
        peer = new RawPeer(s.address()).handshake(null);
        // as many stuck pulls as there are engine threads (they used to pin one each)
        for (int i = 1; i <= ENGINE_THREADS; i++) {
          pull(peer, i, host);
        }
        assertThat(host.awaitConnections(ENGINE_THREADS)).isTrue();
        // an upload that never ends, and a download this peer never reads
        peer.request(20, Opcode.BLOB_PUT, "{}");
        peer.frame(FrameType.DATA, 20, new byte[1000]);
        peer.request(21, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\"}");

        long start = System.nanoTime();
        s.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isLessThan(GRACE.plus(StrataServer.STOP_MARGIN));
        assertThat(took).isGreaterThanOrEqualTo(GRACE);
        assertThat(peer.closedByServer()).isTrue();
      } finally {
        s.close();
        if (peer != null) {
          peer.close();
        }
      }
    }
  }

  /** The real process, with stratad's own 20 s grace: SIGTERM ends it in time, exit code 0. */
  @Test
  void sigtermWithStuckStreamsExitsWithinTheGrace() throws Exception {
    Duration grace = Limits.defaults().shutdownGrace();
    try (SilentHost host = new SilentHost();
        StratadProcess p =
            StratadProcess.launch(dir.resolve("logs"), "--data", dir.resolve("p").toString())) {
      assertThat(p.awaitReady()).as(p.stderr()).isTrue();
      try (RawPeer peer = new RawPeer(new HostPort("127.0.0.1", p.port())).handshake(null)) {
        int pulls = Limits.defaults().engineThreads();
        for (int i = 1; i <= pulls; i++) {
          pull(peer, i, host);
        }
        assertThat(host.awaitConnections(pulls)).isTrue();
        peer.request(100, Opcode.BLOB_PUT, "{}");
        peer.frame(FrameType.DATA, 100, new byte[1000]);
        peer.request(101, Opcode.INFO, "{}");
        assertThat(response(peer, 101).status()).isEqualTo(Status.OK);
        long start = System.nanoTime();
        p.process().destroy(); // SIGTERM
        assertThat(p.awaitExit()).as(p.stderr()).isZero();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // the JVM's own exit (shutdown hooks, halt) on a loaded machine: a second more
        assertThat(took).isLessThan(grace.plus(StrataServer.STOP_MARGIN).plusSeconds(1));
      }
    }
  }

  @Test
  void shutdownDiscardsStuckUploadsAndClosesTheDataRoot() throws Exception {
    TestServer s = TestServer.start(config());
    try (RawPeer peer = new RawPeer(s.address()).handshake(null)) {
      peer.request(1, Opcode.BLOB_PUT, "{}");
      peer.frame(FrameType.DATA, 1, new byte[5000]);
      peer.request(2, Opcode.IMAGE_IMPORT, "{\"tag\":\"never:1\"}");
      peer.frame(FrameType.DATA, 2, new byte[5000]);
      // the server has both streams once it answers a request sent after them
      peer.request(3, Opcode.INFO, "{}");
      assertThat(response(peer, 3).status()).isEqualTo(Status.OK);
      long start = System.nanoTime();
      s.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(GRACE.plus(StrataServer.STOP_MARGIN));
    } finally {
      s.close();
    }
    // the data root was closed: it opens again, with nothing of either upload
    try (TestServer again = TestServer.start(config());
        StrataClient c = again.client()) {
      assertThat(c.list()).isEmpty();
      try (Stream<Path> left = Files.list(dir.resolve("data").resolve("tmp"))) {
        assertThat(left).isEmpty();
      }
    }
  }
}

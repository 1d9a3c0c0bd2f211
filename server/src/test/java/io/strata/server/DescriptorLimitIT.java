package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.HostPort;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
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
 * The adversarial trial's D6 on a real stratad with {@code ulimit -n 128}: idle connections held
 * open by the hundred took every descriptor, the store then failed to open a pack, and what it
 * acknowledged after read as corrupt until a restart. Now the connection cap leaves half of the
 * free descriptors to the store: the connections past it are refused with a sentence, a put of two
 * packs' worth succeeds while the others are held, and after they let go everything reads back and
 * fsck is clean.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DescriptorLimitIT {
  private static final int OPEN_FILES = 128;
  private static final int MB = 1 << 20;
  private static final Pattern CAP = Pattern.compile("at most (\\d+) connections, not 1024");

  @TempDir Path dir;

  @Test
  void idleConnectionsCannotTakeTheDescriptorsTheStoreNeeds() throws Exception {
    try (StratadProcess s =
        StratadProcess.launchBinWithOpenFiles(
            OPEN_FILES, dir.resolve("logs"), "--data", dir.resolve("data").toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", s.port());
      List<RawPeer> held = new ArrayList<>();
      try {
        RawPeer.Received refusal = holdUntilRefused(at, held);
        Matcher m = CAP.matcher(s.stderr());
        assertThat(m.find()).as("the cap the log names: %s", s.stderr()).isTrue();
        int cap = Integer.parseInt(m.group(1));
        assertThat(cap).isBetween(8, OPEN_FILES / 2);
        assertThat(held).hasSize(cap);
        assertThat(refusal.status()).isEqualTo(Status.UNAVAILABLE);
        assertThat(refusal.body())
            .contains("busy: " + cap + " connections are open, its maximum; try again later");

        // The tester's put while the connections are held: refused at the handshake, in words.
        assertThatThrownBy(() -> StrataClient.connect(at, null))
            .isInstanceOfSatisfying(
                StrataClientException.class,
                e -> {
                  assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
                  assertThat(e.getMessage())
                      .isEqualTo(
                          "stratad at "
                              + at
                              + ": busy: "
                              + cap
                              + " connections are open, its maximum; try again later");
                });

        // One let go: a put of more than a pack (32 MiB) opens two, with every other slot held.
        held.remove(0).close();
        byte[] during = TestData.random(1, 40 * MB);
        try (StrataClient c = connectWhenFree(at)) {
          String d = put(c, during);
          assertReadsBack(c, d, during);
        }
      } finally {
        for (RawPeer p : held) {
          p.close();
        }
      }

      byte[] after = TestData.random(2, 40 * MB);
      try (StrataClient c = connectWhenFree(at)) {
        String d = put(c, after);
        assertReadsBack(c, d, after);
        assertThat(c.fsck().damaged()).isEmpty();
      }
    }
  }

  /**
   * Opens connections and shakes hands until the server refuses one; returns the refusal. A
   * handshake left unanswered means the server ran out of descriptors before its cap.
   */
  private static RawPeer.Received holdUntilRefused(HostPort at, List<RawPeer> held)
      throws IOException {
    for (int i = 0; i < OPEN_FILES; i++) {
      RawPeer p = new RawPeer(at);
      p.socket().setSoTimeout(5_000);
      p.frame(FrameType.HELLO, Wire.CONNECTION_STREAM, Hello.current().encode());
      RawPeer.Received r;
      try {
        r = p.read();
      } catch (SocketTimeoutException e) {
        p.close();
        return fail(
            "connection %d was not answered within 5 s: the server ran out of descriptors"
                + " before it refused a connection",
            i + 1);
      }
      if (r.type() == FrameType.WELCOME) {
        held.add(p);
        continue;
      }
      p.close();
      assertThat(r.type()).isEqualTo(FrameType.RESPONSE);
      return r;
    }
    return fail("%d connections held, none refused", OPEN_FILES);
  }

  /** Connects once the server has counted a closed connection out (it learns of it a bit later). */
  private static StrataClient connectWhenFree(HostPort at) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return StrataClient.connect(at, null);
      } catch (StrataClientException e) {
        if (e.status() != Status.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static String put(StrataClient c, byte[] b) throws IOException {
    return c.put(new ByteArrayInputStream(b), (long) b.length, TransferListener.NONE).digest();
  }

  private static void assertReadsBack(StrataClient c, String digest, byte[] want)
      throws IOException {
    ByteArrayOutputStream back = new ByteArrayOutputStream();
    c.get(digest, 0, -1, back, TransferListener.NONE);
    assertThat(back.toByteArray()).as(digest).isEqualTo(want);
  }
}

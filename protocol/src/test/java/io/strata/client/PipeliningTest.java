package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.protocol.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link StrataClient} shared by many threads against a server that answers in whatever order
 * its requests finish ({@link ScriptedServer}): calls are in flight together, each reply reaches
 * its own caller, a slow request holds up no other, an error goes to its caller only, the server's
 * limit of streams is kept, and a closed or lost connection fails every call in flight.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipeliningTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  /** Gets {@code digest} and checks every byte against the script's content. */
  private static long getChecked(StrataClient c, String digest) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = c.get(digest, 0, -1, out, TransferListener.NONE);
    byte[] b = out.toByteArray();
    assertThat(b).hasSize((int) n);
    for (int i = 0; i < b.length; i++) {
      if (b[i] != ScriptedServer.content(digest, i)) {
        throw new AssertionError(digest + ": byte " + i + " belongs to another stream");
      }
    }
    return n;
  }

  /** {@code n} threads each getting {@code slow:1000}, which waits for the server's release. */
  private List<Future<Long>> slowGets(StrataClient client, int n) {
    List<Future<Long>> slow = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      slow.add(threads.submit(() -> getChecked(client, "slow:1000")));
    }
    return slow;
  }

  private static void awaitInFlight(ScriptedServer server, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.inFlight.get() < n) {
      assertThat(System.nanoTime())
          .as("%d requests in flight at the server", n)
          .isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aSlowRequestHoldsUpNoOther() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      Future<Long> slow = threads.submit(() -> getChecked(client, "slow:100000"));
      awaitInFlight(server, 1);
      List<Future<Long>> others = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Random r = new Random(t);
        others.add(
            threads.submit(
                () -> {
                  long bytes = 0;
                  for (int i = 0; i < 100; i++) {
                    bytes += getChecked(client, "size:" + r.nextInt(200_000));
                  }
                  return bytes;
                }));
      }
      for (Future<Long> f : others) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isPositive();
      }
      assertThat(slow).as("the slow request waits for its answer").isNotDone();

      server.release.countDown();
      assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(100_000);
    }
  }

  @Test
  void interleavedDownloadsEachReachTheirCaller() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      List<Future<Long>> gets = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String digest = "size:" + (3_000_000 + 4099 * t);
        gets.add(threads.submit(() -> getChecked(client, digest)));
      }
      for (int t = 0; t < 8; t++) {
        assertThat(gets.get(t).get(30, TimeUnit.SECONDS)).isEqualTo(3_000_000 + 4099 * t);
      }
      assertThat(server.mostInFlight.get()).as("requests were in flight together").isGreaterThan(1);
    }
  }

  @Test
  void anErrorGoesToItsCallerOnly() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      Future<Long> big = threads.submit(() -> getChecked(client, "size:5000000"));
      Future<Long> missing = threads.submit(() -> getChecked(client, "missing"));

      assertThatThrownBy(() -> missing.get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(StrataClientException.class)
          .hasMessage("blob missing not found")
          .matches(e -> ((StrataClientException) e).status() == Status.NOT_FOUND);
      assertThat(big.get(20, TimeUnit.SECONDS)).isEqualTo(5_000_000);
      assertThat(getChecked(client, "size:10")).isEqualTo(10);
    }
  }

  @Test
  void noMoreStreamsThanTheServerTakesAreInFlight() throws Exception {
    try (ScriptedServer server = new ScriptedServer(2);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      List<Future<Long>> slow = slowGets(client, 6);
      awaitInFlight(server, 2);
      Thread.sleep(200); // time for a third REQUEST to arrive, if the client sent one
      assertThat(server.requests.get()).isEqualTo(2);

      server.release.countDown();
      for (Future<Long> f : slow) {
        assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
      }
      assertThat(server.mostInFlight.get()).isEqualTo(2);
    }
  }

  @Test
  void closingFailsEveryCallInFlight() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16)) {
      StrataClient client = StrataClient.connect(server.address(), null);
      List<Future<Long>> slow = slowGets(client, 3);
      awaitInFlight(server, 3);

      client.close();

      for (Future<Long> f : slow) {
        assertFailed(f, "connection to stratad at " + server.address() + " is closed");
      }
      assertThatThrownBy(
              () ->
                  client.get(
                      "size:1", 0, -1, OutputStream.nullOutputStream(), TransferListener.NONE))
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining("is closed");
    }
  }

  @Test
  void aLostConnectionFailsEveryCallInFlight() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      List<Future<Long>> slow = slowGets(client, 3);
      awaitInFlight(server, 3);

      server.drop();

      for (Future<Long> f : slow) {
        assertFailed(f, "connection to stratad at " + server.address() + " lost");
      }
    }
  }

  private static void assertFailed(Future<Long> f, String message)
      throws InterruptedException, TimeoutException {
    try {
      f.get(20, TimeUnit.SECONDS);
      throw new AssertionError("the call succeeded");
    } catch (ExecutionException e) {
      assertThat(e.getCause())
          .isInstanceOf(StrataClientException.class)
          .hasMessageContaining(message);
      assertThat(((StrataClientException) e.getCause()).status()).isEqualTo(Status.UNAVAILABLE);
    }
  }

  @Test
  void aSinkThatFailsCancelsItsStreamAndTheConnectionGoesOn() throws Exception {
    try (ScriptedServer server = new ScriptedServer(16);
        StrataClient client = StrataClient.connect(server.address(), null)) {
      OutputStream full =
          new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              written += len;
              if (written > 200_000) {
                throw new IOException("disk full");
              }
            }
          };

      assertThatThrownBy(() -> client.get("size:50000000", 0, -1, full, TransferListener.NONE))
          .isInstanceOf(IOException.class)
          .hasMessage("disk full");

      assertThat(getChecked(client, "size:300000")).isEqualTo(300_000);
      assertThat(server.cancelled).containsExactly(1);
    }
  }
}

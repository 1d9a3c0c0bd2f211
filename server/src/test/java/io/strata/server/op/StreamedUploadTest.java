package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StreamedUploadTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theWorkReadsEveryByteInOrderThroughASmallRing() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(7).nextBytes(data);
    // a ring far smaller than the upload: writes wait on the reader and wrap around many times
    StreamedUpload u =
        StreamedUpload.start(
            threads, "upload", 4096, in -> new Outcome.Reply(Arrays.hashCode(in.readAllBytes())));
    Random sizes = new Random(11);
    for (int at = 0; at < data.length; ) {
      int n = Math.min(data.length - at, 1 + sizes.nextInt(10_000));
      u.write(data, at, n);
      at += n;
    }
    Outcome o = u.finish();
    assertThat(((Outcome.Reply) o).body()).isEqualTo(Arrays.hashCode(data));
  }

  @Test
  void bytesTheWorkLeavesUnreadAreDropped() throws Exception {
    StreamedUpload u =
        StreamedUpload.start(
            threads, "upload", 1024, in -> new Outcome.Reply(new String(in.readNBytes(5))));
    byte[] trailer = new byte[100_000]; // far more than the ring: the sender must not wait
    u.write("hello".getBytes(), 0, 5);
    u.write(trailer, 0, trailer.length);
    assertThat(((Outcome.Reply) u.finish()).body()).isEqualTo("hello");
  }

  @Test
  void aFailureOfTheWorkReachesTheSenderAsItWas() throws Exception {
    StreamedUpload u =
        StreamedUpload.start(
            threads,
            "upload",
            1024,
            in -> {
              in.readNBytes(10);
              throw new InvalidArgumentException("tar x.tar: entry ../y leaves the image root");
            });
    byte[] data = new byte[64 << 10];
    // the write that finds the work gone reports its failure, or finish() does
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 100; i++) {
                u.write(data, 0, data.length);
              }
              u.finish();
            })
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("../y");
  }

  @Test
  void abortFailsTheWorksReadAndWaitsForItToStop() throws Exception {
    AtomicReference<Throwable> seen = new AtomicReference<>();
    CountDownLatch reading = new CountDownLatch(1);
    StreamedUpload u =
        StreamedUpload.start(
            threads,
            "upload of t.tar",
            1024,
            in -> {
              try {
                reading.countDown();
                in.readAllBytes();
                return new Outcome.Reply("read to the end");
              } catch (IOException e) {
                seen.set(e);
                throw e;
              }
            });
    u.write(new byte[10], 0, 10);
    assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
    u.abort();
    // abort returned only once the work had stopped, so its failure is there already
    assertThat(seen.get()).isInstanceOf(IOException.class).hasMessageContaining("cancelled");
  }
}

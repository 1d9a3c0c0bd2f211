package io.strata.server.op;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that produce what downloads stream back as it is made (image and container exports,
 * build logs, {@code cp} out of a container): each engine call writes into a bounded {@link
 * ProducedStream} on a thread of its own, so it never holds an engine thread while the client reads
 * slowly. Uploads read while they arrive ({@link StreamedUpload}) run their work here too.
 */
final class ProducerThreads {
  /** Bytes a produced stream may hold between the engine and the connection. */
  private static final int PIPE_BYTES = 1 << 20;

  private final ExecutorService threads;

  ProducerThreads() {
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "stratad-producer-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts {@code producer}; {@code what} names its output in messages. */
  ProducedStream start(String what, ProducedStream.Producer producer) {
    return ProducedStream.start(threads, what, PIPE_BYTES, producer);
  }

  /**
   * Starts {@code work} reading an upload as it arrives ({@link StreamedUpload}); {@code what}
   * names the upload in messages.
   */
  StreamedUpload read(String what, StreamedUpload.Work work) {
    return StreamedUpload.start(threads, what, PIPE_BYTES, work);
  }

  /**
   * Stops taking work and waits up to {@code wait} for producers still running to stop, then
   * interrupts them (one blocked on a full pipe stops at once) and waits as long again. Returns
   * whether all stopped: one blocked where an interrupt does not reach (a socket read from a silent
   * peer) is left behind, since shutdown must not wait on a peer.
   */
  boolean shutdown(Duration wait) throws InterruptedException {
    threads.shutdown();
    if (threads.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) {
      return true;
    }
    threads.shutdownNow();
    return threads.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
  }
}

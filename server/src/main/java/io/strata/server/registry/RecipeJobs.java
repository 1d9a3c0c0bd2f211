package io.strata.server.registry;

import io.strata.store.digest.Digest;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gzip layers pushed to the registry and staged ({@link StagedBlobs}: durable files, so the push
 * answers as soon as the blob is safe, as fast as a plain registry), waiting to be stored in the
 * chunk store ({@link RegistryStore#storeStaged}): as their uncompressed contents and a recipe when
 * a known compressor reproduces them, the replay that proves it being a deflate of the whole layer,
 * seconds of CPU a client should not wait for. One job at a time, on a thread of its own. The
 * staged directory is the queue: a staged file is deleted only once its blob is stored, so a job a
 * stop or a crash interrupted is found again at the next start.
 */
final class RecipeJobs implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RecipeJobs.class.getName());

  private final RegistryStore store;
  private final ExecutorService thread;
  private final AtomicInteger pending = new AtomicInteger();

  /** Jobs for {@code store}'s staged blobs, those a previous run left queued at once. */
  RecipeJobs(RegistryStore store) throws IOException {
    this.store = store;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "registry-recipes");
              t.setDaemon(true);
              return t;
            });
    for (Digest d : store.staged().list()) {
      submit(d);
    }
  }

  /**
   * Queues staged blob {@code d}. A blob queued twice (pushed twice at once) is stored by the first
   * job; the second finds it stored.
   */
  void submit(Digest d) {
    pending.incrementAndGet();
    try {
      thread.execute(
          () -> {
            try {
              store.storeStaged(d);
            } catch (InterruptedIOException | ClosedByInterruptException e) {
              // stopping: the file stays staged, for the next start
            } catch (IOException | RuntimeException e) {
              LOG.log(
                  System.Logger.Level.WARNING,
                  "blob {0}: stays staged until the next start: {1}",
                  d,
                  e.toString());
            } finally {
              pending.decrementAndGet();
            }
          });
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet(); // closed: the next start queues it
    }
  }

  /**
   * Runs {@code task} on the jobs' thread after every job queued before it (so after the blobs
   * staged so far are stored). Refused with {@link RejectedExecutionException} once closed.
   */
  void afterQueued(Runnable task) {
    thread.execute(task);
  }

  /** Whether blob {@code d} is staged: waiting for (or in) its job, whole for now. */
  boolean pending(Digest d) {
    return store.isStaged(d);
  }

  /** Jobs queued or running. */
  int pending() {
    return pending.get();
  }

  /**
   * Stops the job in progress (its file stays staged, for the next start) and waits a little for
   * it, so that the engine does not close under it.
   */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

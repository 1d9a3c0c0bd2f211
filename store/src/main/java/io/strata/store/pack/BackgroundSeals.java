package io.strata.store.pack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Full packs whose trailer is written and flushed, being made durable and closed on a thread of
 * their own. An fsync of a 32 MiB pack takes tens of milliseconds; done under the append lock it
 * stalled every worker (and through their windows every writer) each time a pack filled.
 */
final class BackgroundSeals {
  private final List<Future<?>> pending = new ArrayList<>();
  private ExecutorService thread;

  /** Starts making {@code w} durable and closing it; its trailer must already be flushed. */
  synchronized void submit(PackWriter w) {
    if (thread == null) {
      thread =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "strata-pack-seal");
                t.setDaemon(true);
                return t;
              });
    }
    pending.add(
        thread.submit(
            () -> {
              w.forceAndClose();
              return null;
            }));
  }

  /**
   * Returns once every pack handed over so far is durable. A pack that could not be made durable
   * fails this call and every later one: what it holds was acknowledged to nobody and never will
   * be.
   */
  void awaitAll() throws IOException {
    List<Future<?>> seals;
    synchronized (this) {
      seals = List.copyOf(pending);
    }
    for (Future<?> f : seals) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while a full pack was being made durable", e);
      } catch (ExecutionException e) {
        throw new IOException("a full pack could not be made durable: " + e.getCause(), e);
      }
    }
    synchronized (this) {
      pending.removeAll(seals);
    }
  }

  /** Waits for the seals in progress and stops the thread. */
  void close() throws IOException {
    try {
      awaitAll();
    } finally {
      ExecutorService t;
      synchronized (this) {
        t = thread;
      }
      if (t != null) {
        t.shutdown();
        try {
          t.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}

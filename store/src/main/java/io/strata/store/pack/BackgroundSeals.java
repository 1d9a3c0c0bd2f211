package io.strata.store.pack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Full packs whose trailer is written and flushed, being made durable and closed on a thread of
 * their own. An fsync of a 32 MiB pack takes tens of milliseconds; done under the append lock it
 * stalled every worker (and through their windows every writer) each time a pack filled.
 */
final class BackgroundSeals {
  private final List<Future<?>> pending = new ArrayList<>();
  // The packs handed over and not yet durable.
  private final java.util.Set<Integer> sealing = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private ExecutorService thread;

  /** Starts making {@code w} durable and closing it; its trailer must already be flushed. */
  synchronized void submit(PackWriter w) {
    submit(w, e -> {}, id -> {});
  }

  /** What to do, on the seal's thread, once a pack is durable. */
  @FunctionalInterface
  interface Success {
    void sealed(int id);
  }

  /** What to do, on the seal's thread, when a pack cannot be made durable. */
  @FunctionalInterface
  interface Failure {
    void failed(PackWriter w);
  }

  /**
   * {@link #submit(PackWriter)}, calling {@code onFailure} on the seal's thread, before anyone
   * waiting learns of the failure, when the pack cannot be made durable, and {@code onSuccess} once
   * it is.
   */
  synchronized void submit(PackWriter w, Failure onFailure, Success onSuccess) {
    sealing.add(w.id());
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
              try {
                w.forceAndClose();
              } catch (IOException | RuntimeException e) {
                onFailure.failed(w);
                throw e;
              } finally {
                sealing.remove(w.id());
              }
              onSuccess.sealed(w.id());
              return null;
            }));
  }

  /**
   * Returns once every pack handed over so far is durable. A pack that could not be made durable
   * fails this call, once: what it holds was acknowledged to nobody, its failure handler has
   * already taken its records out of the store, and later calls go on without it.
   */
  void awaitAll() throws IOException {
    List<Future<?>> seals;
    synchronized (this) {
      seals = List.copyOf(pending);
    }
    IOException failure = null;
    for (Future<?> f : seals) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while a full pack was being made durable", e);
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              new IOException(
                  "a full pack could not be made durable: " + e.getCause().getMessage(),
                  e.getCause());
        }
      }
    }
    synchronized (this) {
      pending.removeAll(seals);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Whether pack {@code id} was handed over and is not durable yet. */
  boolean sealing(int id) {
    return sealing.contains(id);
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
      PackThreads.stop(t);
    }
  }
}

package io.strata.server.registry;

import io.strata.store.registry.RegistryStore;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Releases the registry's unused blobs after a Strata image goes ({@code strata image rm}, a
 * prune): an image that keeps a layer whole (no recipe reproduces it) is a use of the registry's
 * blob of that layer, and its removal happens outside the registry. One thread; removals that come
 * while a sweep waits are covered by it.
 */
final class UnusedBlobSweeper implements Closeable {
  private static final System.Logger LOG = System.getLogger(UnusedBlobSweeper.class.getName());

  private final RegistryStore registry;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "registry-release");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile boolean closed;

  UnusedBlobSweeper(RegistryStore registry) {
    this.registry = registry;
    // the listener stays with the store after a close: it then does nothing
    registry.onImageRemoved(this::imageRemoved);
  }

  /** On the committing thread: queues a sweep unless one is queued already. */
  private void imageRemoved() {
    if (closed || !queued.compareAndSet(false, true)) {
      return;
    }
    try {
      thread.execute(this::sweep);
    } catch (RejectedExecutionException e) {
      queued.set(false);
    }
  }

  private void sweep() {
    queued.set(false);
    try {
      int n = registry.releaseUnused();
      if (n > 0) {
        LOG.log(System.Logger.Level.INFO, "registry: released {0} blobs an image removal left", n);
      }
    } catch (IOException | RuntimeException e) {
      // the next removal or the next start sweeps again
      LOG.log(System.Logger.Level.WARNING, "registry: releasing unused blobs failed: {0}", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdown();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

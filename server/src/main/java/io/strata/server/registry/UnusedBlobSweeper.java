package io.strata.server.registry;

import io.strata.store.registry.RegistryStore;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * After a tag of a Strata image moves or goes: deletes the manifests published from images that no
 * current tag names any more ({@link RegistryStore#dropStaleViews}); after a Strata image goes
 * ({@code strata image rm}, a prune), also releases the registry's unused blobs: an image that
 * keeps a layer whole (no recipe reproduces it) is a use of the registry's blob of that layer, and
 * its removal happens outside the registry. One thread; changes that come while a sweep waits are
 * covered by it. Each gc does both first ({@link RegistryServer#sweepBeforeEveryGc}), so a gc right
 * after a removal frees its bytes too.
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
  // an image went since the last sweep began: releasing reads every image record, which a tag
  // change alone does not need
  private final AtomicBoolean imageRemoved = new AtomicBoolean();
  private volatile boolean closed;

  UnusedBlobSweeper(RegistryStore registry) {
    this.registry = registry;
    // the listeners stay with the store after a close: they then do nothing
    registry.onImageRemoved(
        () -> {
          imageRemoved.set(true);
          queue();
        });
    registry.onTagsChanged(this::queue);
  }

  /** On the committing thread: queues a sweep unless one is queued already. */
  private void queue() {
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
    boolean release = imageRemoved.getAndSet(false);
    try {
      dropStaleViews(registry, "after a tag change");
      if (release) {
        release(registry, "after an image removal");
      }
    } catch (IOException | RuntimeException e) {
      // the next change, the next gc or the next start sweeps again
      LOG.log(
          System.Logger.Level.WARNING,
          "registry: deleting stale published manifests or releasing unused blobs failed: {0}",
          e.toString());
    }
  }

  /** Deletes {@code registry}'s stale published manifests, logging which and {@code when}. */
  static void dropStaleViews(RegistryStore registry, String when) throws IOException {
    List<String> dropped = registry.dropStaleViews();
    if (!dropped.isEmpty()) {
      LOG.log(
          System.Logger.Level.INFO,
          "registry: deleted {0} manifests published from images no tag names any more ({1}): {2}",
          dropped.size(),
          when,
          String.join(", ", dropped));
    }
  }

  /** Releases {@code registry}'s blobs nothing uses, logging how many and {@code when}. */
  static void release(RegistryStore registry, String when) throws IOException {
    int n = registry.releaseUnused();
    if (n > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "registry: released {0} blobs nothing uses any more ({1})",
          n,
          when);
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

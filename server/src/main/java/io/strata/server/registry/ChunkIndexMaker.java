package io.strata.server.registry;

import io.strata.store.digest.Digest;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.ChunkIndexPublisher.ManifestRef;
import io.strata.store.registry.Descriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Makes the chunk-index artifact of each image manifest the registry stores, once the image's
 * layers have settled: a gzip layer is stored whole at its push and becomes chunks and a recipe a
 * few seconds later ({@link RecipeJobs}); an index made before would send it whole for good. So a
 * manifest whose layers are all settled is indexed at once, and one with a layer still waiting is
 * parked on that layer until its job ends. The referrers API only reads: nothing is written on a
 * client's GET, anonymous or not. At start, manifests stored before indexes were made this way, or
 * whose layers had not settled when the server stopped, are indexed too ({@link #indexExisting}).
 *
 * <p>Everything runs on one thread of its own, so parking and settling need no lock, and an index
 * (a read of each layer's recipe and a write of a few blobs) never holds up a request.
 */
final class ChunkIndexMaker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ChunkIndexMaker.class.getName());

  private final ChunkIndexPublisher publisher;
  private final Predicate<Digest> settling;
  private final ExecutorService thread;

  /** Layer blob still waiting for its recipe job → the manifests parked on it (the thread's). */
  private final Map<Digest, Set<ManifestRef>> parked = new HashMap<>();

  /**
   * @param settling whether a layer blob is still stored whole, waiting for its recipe job
   */
  ChunkIndexMaker(ChunkIndexPublisher publisher, Predicate<Digest> settling) {
    this.publisher = publisher;
    this.settling = settling;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "registry-chunk-index");
              t.setDaemon(true);
              return t;
            });
  }

  /** Manifest {@code d} of {@code repo} was just stored (pushed, or published from an image). */
  void stored(String repo, Descriptor d) {
    run(() -> consider(new ManifestRef(repo, d.digest())));
  }

  /** Layer blob {@code layer}'s recipe job ended (a recipe, or kept whole for good). */
  void settled(Digest layer) {
    run(
        () -> {
          Set<ManifestRef> waiting = parked.remove(layer);
          if (waiting != null) {
            waiting.forEach(this::consider);
          }
        });
  }

  /** Indexes, in the background, every image manifest that has no chunk index yet. */
  void indexExisting() {
    run(() -> publisher.unindexed().forEach(this::consider));
  }

  /** Waits until what was asked before has been done (tests). */
  void drain() throws InterruptedException {
    try {
      thread.submit(() -> {}).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("chunk-index thread: " + e, e);
    }
  }

  /** Manifests parked on a layer (tests). */
  int parkedCount() throws InterruptedException {
    drain();
    try {
      return thread.submit(() -> parked.values().stream().mapToInt(Set::size).sum()).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private void run(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      // stopping: what was not indexed is found again at the next start
    }
  }

  /** Indexes {@code m} now, or parks it on the first of its layers still settling. */
  private void consider(ManifestRef m) {
    try {
      List<Digest> layers = publisher.layers(m.repo(), m.digest());
      List<Digest> waiting = new ArrayList<>();
      for (Digest l : layers) {
        if (settling.test(l)) {
          waiting.add(l);
        }
      }
      if (!waiting.isEmpty()) {
        parked.computeIfAbsent(waiting.get(0), k -> new LinkedHashSet<>()).add(m);
        return;
      }
      if (!layers.isEmpty()) {
        publisher.publish(m.repo(), m.digest(), settling);
      }
    } catch (IOException | RuntimeException e) {
      // the image is served all the same; a Strata puller takes the ordinary path for it
      LOG.log(
          System.Logger.Level.WARNING,
          "manifest {0}@{1}: no chunk index: {2}",
          m.repo(),
          m.digest(),
          e.toString());
    }
  }

  /** Stops; an index not yet made is made at the next start. */
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

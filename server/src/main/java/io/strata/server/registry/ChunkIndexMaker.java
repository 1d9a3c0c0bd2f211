package io.strata.server.registry;

import io.strata.store.digest.Digest;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.ChunkIndexPublisher.ManifestRef;
import io.strata.store.registry.ChunkIndexPublisher.Outcome;
import io.strata.store.registry.Descriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
 *
 * <p>Nothing waits silently for good. A layer whose recipe job failed every time ({@link #gaveUp})
 * has the manifests parked on it considered again: they get no index for now, and the log says why
 * (see {@link #consider}); they stay parked on it, so a later job that stores it (the layer pushed
 * again) still indexes them, and the next start runs the job again and indexes them anyway. An
 * index that fails to be made (an I/O error, a store busy under load) is tried again, {@link
 * #ATTEMPTS} times in all, {@link #RETRY_DELAY} apart and then twice that, then left to the next
 * start's pass, which finds every image without one.
 */
final class ChunkIndexMaker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ChunkIndexMaker.class.getName());

  /** How many times an index that fails to be made is tried before the next start's pass. */
  static final int ATTEMPTS = 3;

  /** How long after its first failure an index is tried again (after the second: twice that). */
  static final Duration RETRY_DELAY = Duration.ofSeconds(10);

  /** What the maker reads and writes: a {@link ChunkIndexPublisher}'s (tests fail it). */
  interface Indexes {
    /** {@link ChunkIndexPublisher#layers}. */
    List<Digest> layers(String repo, Digest d) throws IOException;

    /** {@link ChunkIndexPublisher#make}. */
    Outcome make(String repo, Digest subject, Predicate<Digest> settling) throws IOException;

    /** {@link ChunkIndexPublisher#unindexed}. */
    List<ManifestRef> unindexed();
  }

  private final Indexes publisher;
  private final Predicate<Digest> settling;
  private final Duration retryDelay;
  private final ScheduledExecutorService thread;
  // set at stop: queued tasks end without making an index (the next start's pass makes it)
  private volatile boolean stopping;

  /** Layer blob still waiting for its recipe job → the manifests parked on it (the thread's). */
  private final Map<Digest, Set<ManifestRef>> parked = new HashMap<>();

  /** Layer blob whose recipe job failed every time, no job stored it since → why (the thread's). */
  private final Map<Digest, String> givenUp = new HashMap<>();

  /**
   * @param settling whether a layer blob is still stored whole, waiting for its recipe job
   */
  ChunkIndexMaker(ChunkIndexPublisher publisher, Predicate<Digest> settling) {
    this(
        new Indexes() {
          @Override
          public List<Digest> layers(String repo, Digest d) throws IOException {
            return publisher.layers(repo, d);
          }

          @Override
          public Outcome make(String repo, Digest subject, Predicate<Digest> settling)
              throws IOException {
            return publisher.make(repo, subject, settling);
          }

          @Override
          public List<ManifestRef> unindexed() {
            return publisher.unindexed();
          }
        },
        settling,
        RETRY_DELAY);
  }

  /**
   * A maker over {@code publisher}, a failed index tried again {@code retryDelay} later (tests).
   */
  ChunkIndexMaker(Indexes publisher, Predicate<Digest> settling, Duration retryDelay) {
    this.publisher = publisher;
    this.settling = settling;
    this.retryDelay = retryDelay;
    // scheduled for the retries; tasks due at once run in the order they were queued
    this.thread = BackgroundThread.named("registry-chunk-index");
  }

  /** Manifest {@code d} of {@code repo} was just stored (pushed, or published from an image). */
  void stored(String repo, Descriptor d) {
    run(() -> consider(new ManifestRef(repo, d.digest())));
  }

  /** Layer blob {@code layer}'s recipe job ended (a recipe, or kept whole for good). */
  void settled(Digest layer) {
    run(
        () -> {
          givenUp.remove(layer);
          reconsider(layer);
        });
  }

  /**
   * Layer blob {@code layer}'s recipe job failed every time, with {@code why}: it stays staged,
   * whole, until the next start. The manifests parked on it are considered again, so that none
   * waits silently for a job that will not come (see {@link #consider} for what becomes of them).
   */
  void gaveUp(Digest layer, String why) {
    run(
        () -> {
          givenUp.put(layer, why);
          reconsider(layer);
        });
  }

  private void reconsider(Digest layer) {
    Set<ManifestRef> waiting = parked.remove(layer);
    if (waiting != null) {
      waiting.forEach(this::consider);
    }
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
      thread.execute(BackgroundThread.logged("registry-chunk-index", task));
    } catch (RejectedExecutionException e) {
      // stopping: what was not indexed is found again at the next start
    }
  }

  private void consider(ManifestRef m) {
    consider(m, 1);
  }

  /**
   * Indexes {@code m} now, or parks it on the first of its layers still settling. A layer still
   * staged whose job gave up ({@link #gaveUp}) makes no index now either, and is said so: an index
   * is made once and kept (nothing replaces it), and one made now would list that layer as kept
   * whole, so every Strata puller would fetch it whole for good, even once the next start has
   * stored it as a recipe; without an index the image is pulled the ordinary way meanwhile, and the
   * next start (its job queued again, then this pass over unindexed images) makes the right one.
   * The manifest is parked on that layer all the same, in case a job stores it before then.
   */
  private void consider(ManifestRef m, int attempt) {
    if (stopping) {
      return; // the next start's pass finds it
    }
    try {
      List<Digest> layers = publisher.layers(m.repo(), m.digest());
      List<Digest> waiting = new ArrayList<>();
      for (Digest l : layers) {
        if (settling.test(l)) {
          waiting.add(l);
        }
      }
      if (!waiting.isEmpty()) {
        Digest on = waiting.stream().filter(givenUp::containsKey).findFirst().orElse(null);
        if (on != null) {
          LOG.log(
              System.Logger.Level.WARNING,
              "manifest {0}@{1}: no chunk index until the next start: layer {2} stays staged,"
                  + " its recipe job failed ({3}); an index now would send it whole for good",
              m.repo(),
              m.digest(),
              on,
              givenUp.get(on));
        }
        parked.computeIfAbsent(on != null ? on : waiting.get(0), k -> new LinkedHashSet<>()).add(m);
        return;
      }
      if (!layers.isEmpty()) {
        Outcome o = publisher.make(m.repo(), m.digest(), settling);
        if (o.index() == null) {
          // said, so that an image Strata pullers fetch the ordinary way is explained in the log
          LOG.log(
              System.Logger.Level.INFO,
              "manifest {0}@{1}: no chunk index: {2}",
              m.repo(),
              m.digest(),
              o.none());
        }
      }
    } catch (IOException | RuntimeException e) {
      // the image is served all the same; a Strata puller takes the ordinary path for it
      if (attempt < ATTEMPTS) {
        Duration delay = retryDelay.multipliedBy(attempt);
        LOG.log(
            System.Logger.Level.WARNING,
            "manifest {0}@{1}: its chunk index failed (attempt {2} of {3}), tried again in {4} ms:"
                + " {5}",
            m.repo(),
            m.digest(),
            attempt,
            ATTEMPTS,
            delay.toMillis(),
            e.toString());
        try {
          thread.schedule(
              BackgroundThread.logged("registry-chunk-index", () -> consider(m, attempt + 1)),
              delay.toNanos(),
              TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
          // the next start's pass finds it
        }
        return;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "manifest {0}@{1}: no chunk index until the next start: {2}",
          m.repo(),
          m.digest(),
          e.toString());
    }
  }

  /** As {@link #close(long)}, waiting up to 10 s. */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /**
   * Stops: the index being made is finished (waited for until {@code deadline}, {@link
   * System#nanoTime}; never interrupted before, as an interrupt inside the store's file I/O closes
   * its pack), those queued are not started; an index not yet made is made at the next start.
   */
  void close(long deadline) {
    stopping = true;
    BackgroundThread.stop(thread, "registry-chunk-index", deadline);
  }
}

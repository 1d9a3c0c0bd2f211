package io.strata.server.registry;

import io.strata.store.digest.Digest;
import io.strata.store.engine.StopSignal;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Gzip layers pushed to the registry and staged ({@link StagedBlobs}: durable files, so the push
 * answers as soon as the blob is safe, as fast as a plain registry), waiting to be stored in the
 * chunk store ({@link RegistryStore#storeStaged}): as their uncompressed contents and a recipe when
 * a known compressor reproduces them, the replay that proves it being a deflate of the whole layer,
 * seconds of CPU a client should not wait for. One job at a time, on a thread of its own. The
 * staged directory is the queue: a staged file is deleted only once its blob is stored, so a job a
 * stop or a crash interrupted is found again at the next start.
 *
 * <p>A job starts once the registry has received no push bytes or manifests for {@link #QUIET} (at
 * most {@link #MAX_DEFER} after it was queued): every commit fsyncs the packs the job is writing
 * tens of megabytes into, and on two cores the job's deflate and chunking take the CPU, so a job
 * started at its layer's 201 made the config and manifest {@code PUT}s that follow it within
 * milliseconds several times slower (0.1 to 1.3 s in curl runs at load 12 to 15, against 20 to 30
 * ms once deferred). A task somebody waits for ({@link #afterQueued} {@code urgent}: the import of
 * a small image, which its push waits for) makes the jobs before it start at once.
 *
 * <p>A job that fails (an I/O error, a store too busy under load) is tried again, {@link #ATTEMPTS}
 * times in all, {@link #RETRY_DELAY} later and then twice that: until it ends one way or the other,
 * the manifests parked on its blob ({@code ChunkIndexMaker}) wait for it, so a job that failed once
 * and was dropped left them parked, without a chunk index, until the next start. A job that fails
 * every time leaves its blob staged (whole, served as it is) for the next start, and says so to
 * {@link #onGaveUp} listeners.
 */
final class RecipeJobs implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RecipeJobs.class.getName());

  private final RegistryStore store;
  private final Step step;
  private final Duration retryDelay;
  private final ScheduledExecutorService thread;
  // raised at the server's stop: the job in progress ends at its next read of its staged file
  private final StopSignal stop;

  /** How long the registry must have been without push traffic before a job starts. */
  static final Duration QUIET = Duration.ofMillis(500);

  /** The longest a job waits for quiet, so that a steady stream of pushes does not starve it. */
  static final Duration MAX_DEFER = Duration.ofSeconds(30);

  private static final long STEP = TimeUnit.MILLISECONDS.toNanos(20);

  /** How many times a job is tried before its blob is left staged until the next start. */
  static final int ATTEMPTS = 3;

  /** How long after its first failure a job is tried again (after the second: twice that). */
  static final Duration RETRY_DELAY = Duration.ofSeconds(10);

  /** A job that met a full disk is tried again this many retry delays later (a minute). */
  static final int FULL_DISK_DELAYS = 6;

  /** What a job does with its staged blob: {@link RegistryStore#storeStaged} (tests fail it). */
  interface Step {
    void store(Digest d) throws IOException;
  }

  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong lastPush = new AtomicLong(System.nanoTime());
  // urgent tasks queued and not yet started: the jobs before them do not wait for quiet
  private final AtomicInteger urgent = new AtomicInteger();
  private volatile Consumer<Digest> settled = d -> {};
  private volatile BiConsumer<Digest, String> gaveUp = (d, why) -> {};
  private volatile Consumer<String> diskFull = why -> {};
  // blobs whose jobs wait for room on a full disk: said once at WARNING
  private final java.util.Set<Digest> waitingForRoom =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Jobs for {@code store}'s staged blobs; {@link #resume} queues those a previous run left. {@code
   * stop} raised, the job in progress ends at its next read ({@link #close}).
   */
  RecipeJobs(RegistryStore store, StopSignal stop) {
    this(store, d -> store.storeStaged(d, stop), RETRY_DELAY, stop);
  }

  /** Jobs doing {@code step}, a failed one tried again {@code retryDelay} later (tests). */
  RecipeJobs(RegistryStore store, Step step, Duration retryDelay) {
    this(store, step, retryDelay, new StopSignal());
  }

  /** As {@link #RecipeJobs(RegistryStore, Step, Duration)}, stopped by {@code stop} (tests). */
  RecipeJobs(RegistryStore store, Step step, Duration retryDelay, StopSignal stop) {
    this.stop = stop;
    if (store.staged() == null) {
      throw new IllegalArgumentException("the registry's store has no directory of staged blobs");
    }
    this.store = store;
    this.step = step;
    this.retryDelay = retryDelay;
    // scheduled for the retries; tasks due at once run in the order they were queued
    this.thread = BackgroundThread.named("registry-recipes");
  }

  /**
   * Queues the blobs a previous run left staged: called once the {@link #onSettled} listener is in
   * place, so that it hears of them too.
   */
  void resume() throws IOException {
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
      thread.execute(() -> job(d, 1));
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet(); // closed: the next start queues it
    }
  }

  /** Attempt {@code attempt} of blob {@code d}'s job; counted pending until its last attempt. */
  private void job(Digest d, int attempt) {
    boolean again = false;
    try {
      awaitQuiet();
      stop.check("blob " + d); // stopping: the file stays staged, for the next start
      step.store(d);
      settled.accept(d);
    } catch (InterruptedException | InterruptedIOException | ClosedByInterruptException e) {
      // stopping: the file stays staged, for the next start
    } catch (IOException | RuntimeException e) {
      if (StopSignal.stopped(e)) {
        return; // as above, the stop passed on wrapped
      }
      if (Failures.diskFull(e)) {
        // what holds disk for speed gives it back before the next attempt
        diskFull.accept("blob " + d + ": its recipe job met a full disk: " + e.getMessage());
        // Not counted: tried again until there is room, as a manifest's import is; after three
        // tries the blob stayed staged, a second copy of the layer on the full disk, until a
        // restart (tester AS7).
        Duration delay = retryDelay.multipliedBy(FULL_DISK_DELAYS);
        boolean first = waitingForRoom.add(d);
        LOG.log(
            first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
            "blob {0}: its recipe job met a full disk, tried again every {1} s until there is"
                + " room: {2}",
            d,
            delay.toSeconds(),
            e.toString());
        again = retry(d, attempt, delay);
      } else if (attempt < ATTEMPTS) {
        Duration delay = retryDelay.multipliedBy(attempt);
        LOG.log(
            System.Logger.Level.WARNING,
            "blob {0}: its recipe job failed (attempt {1} of {2}), tried again in {3} ms: {4}",
            d,
            attempt,
            ATTEMPTS,
            delay.toMillis(),
            e.toString());
        again = retry(d, attempt + 1, delay);
      } else {
        LOG.log(
            System.Logger.Level.WARNING,
            "blob {0}: stays staged until the next start: {1}",
            d,
            e.toString());
        gaveUp.accept(d, e.toString());
      }
    } catch (Error e) {
      // no retry (out of memory, a class that cannot load); the manifests waiting hear of it
      LOG.log(System.Logger.Level.ERROR, "blob " + d + ": stays staged until the next start", e);
      gaveUp.accept(d, e.toString());
    } finally {
      if (!again) {
        pending.decrementAndGet();
        waitingForRoom.remove(d);
      }
    }
  }

  private boolean retry(Digest d, int attempt, Duration delay) {
    try {
      thread.schedule(() -> job(d, attempt), delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // closed: the next start queues it
    }
  }

  /** Notes push traffic (upload bytes, a final PUT, a manifest): jobs wait for it to stop. */
  void pushed() {
    lastPush.set(System.nanoTime());
  }

  private void awaitQuiet() throws InterruptedException {
    long start = System.nanoTime();
    while (true) {
      long now = System.nanoTime();
      long left = QUIET.toNanos() - (now - lastPush.get());
      if (left <= 0 || urgent.get() > 0 || now - start >= MAX_DEFER.toNanos() || stop.raised()) {
        return;
      }
      // in short steps, so that an urgent task queued meanwhile is seen soon
      TimeUnit.NANOSECONDS.sleep(
          Math.min(Math.min(left, MAX_DEFER.toNanos() - (now - start)), STEP));
    }
  }

  /**
   * Runs {@code task} on the jobs' thread after every job queued before it (so after the blobs
   * staged so far are stored, unless one failed and waits to be tried again: the task then finds
   * that blob still staged); {@code urgent}: somebody waits for it, so those jobs start without
   * waiting for quiet. Refused with {@link RejectedExecutionException} once closed.
   */
  void afterQueued(Runnable task, boolean urgent) {
    if (!urgent) {
      thread.execute(BackgroundThread.logged("registry-recipes", task));
      return;
    }
    this.urgent.incrementAndGet();
    try {
      thread.execute(
          BackgroundThread.logged(
              "registry-recipes",
              () -> {
                this.urgent.decrementAndGet();
                task.run();
              }));
    } catch (RejectedExecutionException e) {
      this.urgent.decrementAndGet();
      throw e;
    }
  }

  /**
   * Calls {@code listener} (quickly: on the job thread) with each blob whose job stored it, a
   * recipe or kept whole, once {@link #pending(Digest)} no longer says it waits.
   */
  void onSettled(Consumer<Digest> listener) {
    this.settled = listener;
  }

  /**
   * Calls {@code listener} (quickly: on the job thread) with each blob whose job failed every time,
   * and why: it stays staged, whole, until the next start queues its job again.
   */
  void onGaveUp(BiConsumer<Digest, String> listener) {
    this.gaveUp = listener;
  }

  /** Calls {@code listener} (on the job thread) when a job fails on a full disk, saying so. */
  void onDiskFull(Consumer<String> listener) {
    this.diskFull = listener;
  }

  /** Whether blob {@code d} is staged: waiting for (or in) its job, whole for now. */
  boolean pending(Digest d) {
    return store.isStaged(d);
  }

  /** Jobs queued, running or waiting to be tried again. */
  int pending() {
    return pending.get();
  }

  /** As {@link #close(long)}, waiting up to 10 s. */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /**
   * Stops the job in progress at its next read (its file stays staged, for the next start), the
   * jobs queued before they start and the retries, and waits for it until {@code deadline} ({@link
   * System#nanoTime}), so that the engine does not close under it. Never by interrupting it first:
   * interrupted inside the store's file I/O, it had Java close the pack it was writing
   * (docs/ADVERSARIAL.md, H9); only a job still running at the deadline is.
   */
  void close(long deadline) {
    stop.raise();
    BackgroundThread.stop(thread, "registry-recipes", deadline);
  }
}

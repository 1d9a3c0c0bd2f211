package io.strata.server.handler;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time in submission order on a shared pool: the engine calls of one stream
 * (its start, each DATA frame, its end) keep their order while different streams run in parallel.
 * Runs a bounded batch per turn so that a busy stream does not hold a pool thread forever.
 */
final class SerialExecutor implements Executor {
  private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());
  private static final int BATCH = 16;

  private volatile Executor pool;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  /**
   * Runs the tasks from now on on {@code other}: for a stream whose tasks may wait on another
   * request's progress, which must not hold a thread of the bounded engine pool while it waits.
   */
  void moveTo(Executor other) {
    pool = other;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  private void schedule() {
    if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
      try {
        pool.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // The pool is shutting down: the remaining tasks (aborts, releases) still have to run.
        drain();
      }
    }
  }

  private void drain() {
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable r = tasks.poll();
        if (r == null) {
          break;
        }
        try {
          r.run();
        } catch (RuntimeException | Error e) {
          LOG.log(System.Logger.Level.ERROR, "engine task failed unexpectedly", e);
        }
      }
    } finally {
      scheduled.set(false);
      schedule();
    }
  }
}

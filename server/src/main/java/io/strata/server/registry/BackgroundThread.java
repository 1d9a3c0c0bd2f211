package io.strata.server.registry;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The registry's background threads ({@link RecipeJobs}, {@link ChunkIndexMaker}): one daemon
 * thread of a given name each, running tasks in the order queued and retries at set times.
 */
final class BackgroundThread {
  private static final System.Logger LOG = System.getLogger(BackgroundThread.class.getName());

  private BackgroundThread() {}

  /**
   * A scheduled executor of one daemon thread named {@code name}. Tasks scheduled for later are
   * dropped at shutdown (a retry waits for the next start), those due now still run: they check
   * whether the server stops before they start work ({@link #stop}).
   */
  static ScheduledExecutorService named(String name) {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    pool.setRemoveOnCancelPolicy(true);
    return pool;
  }

  /**
   * Stops {@code threads} at a server's stop, whose work was asked to stop between its steps (a
   * {@link io.strata.store.engine.StopSignal} raised): takes no more tasks and waits for the one
   * running until {@code deadline} ({@link System#nanoTime}). Only a task still running then is
   * interrupted, as a last resort: an interrupt inside FileChannel I/O has Java close the channel,
   * which for the store's open pack loses its last chunks. Says whether the threads ended.
   */
  static boolean stop(ExecutorService threads, String name, long deadline) {
    threads.shutdown();
    try {
      if (threads.awaitTermination(
          Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return true;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} thread: its task did not stop in time for the server''s stop; interrupting it",
          name);
      threads.shutdownNow();
      return threads.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * {@code task}, logging what it throws: a scheduled executor keeps a task's failure in a future
   * nobody reads, where a plain executor's thread had it printed.
   */
  static Runnable logged(String thread, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.ERROR, thread + " thread: a task failed", e);
        throw e;
      }
    };
  }
}

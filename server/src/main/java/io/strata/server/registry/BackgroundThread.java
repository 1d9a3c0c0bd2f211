package io.strata.server.registry;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The registry's background threads ({@link RecipeJobs}, {@link ChunkIndexMaker}): one daemon
 * thread of a given name each, running tasks in the order queued and retries at set times.
 */
final class BackgroundThread {
  private static final System.Logger LOG = System.getLogger(BackgroundThread.class.getName());

  private BackgroundThread() {}

  /** A scheduled executor of one daemon thread named {@code name}. */
  static ScheduledExecutorService named(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
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

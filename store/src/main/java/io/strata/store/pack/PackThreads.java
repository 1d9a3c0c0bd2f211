package io.strata.store.pack;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** How the pack set's own threads (background seals, the removal watch) are stopped at close. */
final class PackThreads {
  private PackThreads() {}

  /**
   * Stops {@code thread} (null: it never started) after the task it runs, waiting a bounded time: a
   * close must not hang on a disk that stopped answering.
   */
  static void stop(ExecutorService thread) {
    if (thread == null) {
      return;
    }
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

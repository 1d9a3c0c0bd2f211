package io.strata.store.pack;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a check of the open pack's file every few seconds ({@link #PERIOD_MILLIS}), on a daemon
 * thread of its own, from the first pack opened until the set closes. A sync puts back a removed
 * open pack, but an idle server syncs never: a kill some seconds after the removal lost every
 * acknowledged record in the pack (docs/ADVERSARIAL.md, S6). Every 2 s, as the data root's lock is
 * checked.
 */
final class RemovalWatch {
  static final long PERIOD_MILLIS = 2_000;

  private final Runnable check;
  private final long periodMillis;
  private ScheduledExecutorService thread;
  private boolean closed;

  /**
   * Runs {@code check} every {@code periodMillis} once started; 0: never (tests of other paths).
   */
  RemovalWatch(Runnable check, long periodMillis) {
    this.check = check;
    this.periodMillis = periodMillis;
  }

  /** Starts the checks if they are not running yet. */
  synchronized void start() {
    if (thread != null || closed || periodMillis == 0) {
      return;
    }
    thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-pack-watch");
              t.setDaemon(true);
              return t;
            });
    thread.scheduleWithFixedDelay(check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** Stops the checks; a check running now finishes first. */
  void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      closed = true;
      t = thread;
    }
    PackThreads.stop(t);
  }
}

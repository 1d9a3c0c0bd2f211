package io.strata.server.handler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line a minute for an event a peer can repeat at will (a connection past the cap,
 * a failed accept), counting the ones left out: a flood of them must not become a flood of log.
 * Thread-safe.
 */
final class LogThrottle {
  private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final AtomicLong lastLogged = new AtomicLong();
  private final AtomicInteger skipped = new AtomicInteger();
  private volatile boolean logged;

  /**
   * Whether this event gets its line: -1 if not (it is counted), else how many were left out since
   * the last line.
   */
  int admit() {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if ((logged && now - last < EVERY_NANOS) || !lastLogged.compareAndSet(last, now)) {
      skipped.incrementAndGet();
      return -1;
    }
    logged = true;
    return skipped.getAndSet(0);
  }

  /** " (and N more since the last such line)", or nothing. */
  static String more(int skipped) {
    return skipped > 0 ? " (and " + skipped + " more since the last such line)" : "";
  }
}

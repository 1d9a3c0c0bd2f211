package io.strata.server.handler;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upload bytes that all connections together have received and the engine has not consumed yet.
 * Each connection's {@link InboundWindow} bounds its own; this bounds their sum, since at the
 * connection cap the windows together could hold several times the server's direct memory while the
 * engine is behind (docs/PROTOCOL.md §6). Past the budget a connection stops reading, except for
 * its first {@link #GUARANTEED} bytes: a connection whose engine work waits for more of its own
 * upload (an import holding the image lock while it reads) always gets them, so others' queued
 * bytes can never starve it. Under three quarters of the budget the waiting connections read again.
 * Thread-safe.
 */
final class InboundBudget {
  /** What every connection may hold whatever the others hold. */
  static final long GUARANTEED = 128 << 10;

  private final long max;
  private final long low;
  private final AtomicLong used = new AtomicLong();
  private final Set<InboundWindow> waiting = ConcurrentHashMap.newKeySet();

  InboundBudget(long max) {
    this.max = max;
    this.low = max - max / 4;
  }

  /** {@code n} bytes were queued for the engine. */
  void add(long n) {
    used.addAndGet(n);
  }

  /** The engine consumed {@code n} bytes: waiting connections read again once there is room. */
  void release(long n) {
    long now = used.addAndGet(-n);
    if (now < low && !waiting.isEmpty()) {
      wakeAll();
    }
  }

  /** Whether a connection holding {@code mine} bytes must stop reading for the others' sake. */
  boolean mustWait(long mine) {
    return mine >= GUARANTEED && used.get() >= max;
  }

  /** Whether a connection holding {@code mine} bytes may read again as far as the budget goes. */
  boolean mayResume(long mine) {
    return mine < GUARANTEED || used.get() < low;
  }

  /** Has {@code w} told (on its event loop) once the budget has room again. */
  void wakeWhenFree(InboundWindow w) {
    waiting.add(w);
    // room may have come between the caller's check and the add, with no release left to see it
    if (used.get() < low) {
      wakeAll();
    }
  }

  /** Bytes queued now, over all connections. */
  long used() {
    return used.get();
  }

  private void wakeAll() {
    for (InboundWindow w : waiting) {
      if (waiting.remove(w)) {
        w.budgetFreed();
      }
    }
  }
}

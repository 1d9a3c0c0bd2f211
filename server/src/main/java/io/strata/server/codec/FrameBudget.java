package io.strata.server.codec;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that frames longer than {@link FrameDecoder#OWN_FRAME} may hold, over all connections
 * of a server, while they are being received. Every connection may always receive one frame of the
 * size strata clients send; larger ones share this budget, so that peers announcing large frames
 * and never finishing them cannot take the server's memory (docs/PROTOCOL.md §6).
 */
public final class FrameBudget {
  private final long capacity;
  private final AtomicLong used = new AtomicLong();

  public FrameBudget(long capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("frame budget " + capacity + " is negative");
    }
    this.capacity = capacity;
  }

  /** The bytes it holds at most. */
  public long capacity() {
    return capacity;
  }

  /** The bytes taken now. */
  public long used() {
    return used.get();
  }

  /** Takes {@code n} bytes if they fit; says whether they did. */
  boolean take(long n) {
    long now;
    do {
      now = used.get();
      if (now + n > capacity) {
        return false;
      }
    } while (!used.compareAndSet(now, now + n));
    return true;
  }

  /** Gives back {@code n} bytes {@link #take} took. */
  void give(long n) {
    used.addAndGet(-n);
  }
}

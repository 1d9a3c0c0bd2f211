package io.strata.server.handler;

import io.netty.channel.Channel;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one bound on open connections over both listeners ({@code --listen} and {@code --registry}):
 * they draw on the same descriptors and the same direct memory, so a flood on one must not take
 * what the other and the store need (docs/PROTOCOL.md §6). A connection counts from its admission
 * until it closes. Refusals are logged at most once a minute. Thread-safe.
 */
public final class ConnectionCap {
  private static final System.Logger LOG = System.getLogger(ConnectionCap.class.getName());

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final LogThrottle refusals = new LogThrottle();

  public ConnectionCap(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("a connection cap below 1: " + max);
    }
    this.max = max;
  }

  /**
   * Counts {@code ch} among the open connections until it closes; false (and a log line, throttled)
   * when {@link #max} are open already, received on {@code listener} ("--listen", "--registry").
   */
  public boolean admit(Channel ch, String listener) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      int skipped = refusals.admit();
      if (skipped >= 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "connection from "
                + ch.remoteAddress()
                + " to "
                + listener
                + " refused: "
                + max
                + " connections are open, the maximum"
                + LogThrottle.more(skipped));
      }
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  /** The connections open now. */
  public int open() {
    return open.get();
  }

  /** The most connections open at once. */
  public int max() {
    return max;
  }

  /** What a refused peer is told. */
  public String busyReason() {
    return String.format(
        Locale.ROOT, "busy: %,d connections are open, its maximum; try again later", max);
  }
}

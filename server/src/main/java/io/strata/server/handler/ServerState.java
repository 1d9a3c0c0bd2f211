package io.strata.server.handler;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strata.server.metrics.ServerMetrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What all connections of one server share: the open channels (for shutdown), the requests in
 * flight, whether the server is draining, and the metrics.
 */
public final class ServerState {
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ServerMetrics metrics;
  private volatile boolean draining;

  public ServerState(ServerMetrics metrics) {
    this.metrics = metrics;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /** Stops taking new requests; requests in flight go on. */
  public void drain() {
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  /** Requests in flight over all connections. */
  public int inFlight() {
    return inFlight.get();
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestEnded() {
    if (inFlight.decrementAndGet() == 0) {
      synchronized (inFlight) {
        inFlight.notifyAll();
      }
    }
  }

  /**
   * Waits until no request is in flight or {@link System#nanoTime} passes {@code deadline}; says
   * whether none is.
   */
  public boolean awaitIdle(long deadline) throws InterruptedException {
    synchronized (inFlight) {
      long left;
      while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(inFlight, left);
      }
      return inFlight.get() == 0;
    }
  }

  /** Tracks {@code ch} until it closes (a stop closes every tracked connection). */
  void track(Channel ch) {
    channels.add(ch);
  }

  /** Every open connection. */
  public ChannelGroup channels() {
    return channels;
  }
}

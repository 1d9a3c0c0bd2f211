package io.strata.server.handler;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upload bytes a connection has received but the engine has not consumed yet. At the high-water
 * mark the connection stops reading (autoRead off), so TCP pushes back on the client; under the
 * low-water mark it reads again. What one connection buffers is thus bounded by the high-water mark
 * plus one read's worth of frames. Each frame counts for its payload plus a fixed cost (see {@link
 * RequestHandler#QUEUED_FRAME_COST}), so that empty frames are bounded too.
 */
final class InboundWindow {
  private final Channel channel;
  private final long high;
  private final long low;
  private final AtomicLong pending = new AtomicLong();

  InboundWindow(Channel channel, long high, long low) {
    this.channel = channel;
    this.high = high;
    this.low = low;
  }

  /** {@code n} bytes were queued for the engine; called on the event loop. */
  void add(long n) {
    if (pending.addAndGet(n) >= high && channel.config().isAutoRead()) {
      channel.config().setAutoRead(false);
    }
  }

  /** The engine consumed {@code n} bytes; called from any thread. */
  void release(long n) {
    long now = pending.addAndGet(-n);
    if (now < low && now + n >= low) {
      channel.eventLoop().execute(this::resumeIfDrained);
    }
  }

  /** Whether reading is paused because the engine is behind. */
  boolean paused() {
    return !channel.config().isAutoRead();
  }

  private void resumeIfDrained() {
    if (pending.get() < low && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }
}

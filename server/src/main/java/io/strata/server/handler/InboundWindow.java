package io.strata.server.handler;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upload bytes a connection has received but the engine has not consumed yet. At the high-water
 * mark the connection stops reading (autoRead off), so TCP pushes back on the client; under the
 * low-water mark it reads again. What one connection buffers is thus bounded by the high-water mark
 * plus one read's worth of frames. It also stops while the server-wide {@link InboundBudget} is
 * spent, beyond the bytes the budget guarantees every connection. Each frame counts for its payload
 * plus a fixed cost (see {@link RequestHandler#QUEUED_FRAME_COST}), so that empty frames are
 * bounded too.
 */
final class InboundWindow {
  private final Channel channel;
  private final long high;
  private final long low;
  private final InboundBudget budget;
  private final AtomicLong pending = new AtomicLong();

  InboundWindow(Channel channel, long high, long low, InboundBudget budget) {
    this.channel = channel;
    this.high = high;
    this.low = low;
    this.budget = budget;
  }

  /** {@code n} bytes were queued for the engine; called on the event loop. */
  void add(long n) {
    long mine = pending.addAndGet(n);
    budget.add(n);
    if (!channel.config().isAutoRead()) {
      return;
    }
    if (mine >= high) {
      channel.config().setAutoRead(false);
    } else if (budget.mustWait(mine)) {
      channel.config().setAutoRead(false);
      budget.wakeWhenFree(this);
    }
  }

  /** The engine consumed {@code n} bytes; called from any thread. */
  void release(long n) {
    long now = pending.addAndGet(-n);
    budget.release(n);
    // crossing under the low-water mark, or under what the budget guarantees whatever it holds
    if ((now < low && now + n >= low)
        || (now < InboundBudget.GUARANTEED && now + n >= InboundBudget.GUARANTEED)) {
      channel.eventLoop().execute(this::resumeIfDrained);
    }
  }

  /** The budget has room again: called from any thread. */
  void budgetFreed() {
    channel.eventLoop().execute(this::resumeIfDrained);
  }

  /** Whether reading is paused because the engine is behind. */
  boolean paused() {
    return !channel.config().isAutoRead();
  }

  private void resumeIfDrained() {
    if (channel.config().isAutoRead() || !channel.isOpen()) {
      return;
    }
    long mine = pending.get();
    if (mine >= low) {
      return; // a release across the low-water mark comes
    }
    if (budget.mayResume(mine)) {
      channel.config().setAutoRead(true);
    } else {
      budget.wakeWhenFree(this);
    }
  }
}

package io.strata.server.handler;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The handler of a listening socket. An accept that fails (the process out of descriptors: "Too
 * many open files") reached the tail of Netty's pipeline, which logged a stack trace for every
 * attempt; it is one line a minute here, counting the failures in between. Accepting pauses for a
 * second after each, as Netty's own acceptor would, so that a connection waiting in the backlog
 * does not make the event loop spin; it is accepted once a descriptor is free.
 */
public final class AcceptFailures extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(AcceptFailures.class.getName());
  private static final long PAUSE_MILLIS = 1000;

  private final String listener;
  private final LogThrottle throttle = new LogThrottle();

  /** {@code listener} names the socket in the log, as its option does ({@code --listen}). */
  public AcceptFailures(String listener) {
    this.listener = listener;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    log(cause);
    ChannelConfig config = ctx.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
      ctx.channel()
          .eventLoop()
          .schedule(() -> config.setAutoRead(true), PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void log(Throwable cause) {
    int skipped = throttle.admit();
    if (skipped >= 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          listener
              + ": cannot accept a connection: "
              + cause.getMessage()
              + LogThrottle.more(skipped)
              + "; retrying each second");
    }
  }
}

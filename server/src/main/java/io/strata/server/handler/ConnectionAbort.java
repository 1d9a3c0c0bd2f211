package io.strata.server.handler;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection for a fatal reason: logs it, sends a RESPONSE on stream 0 with the status and
 * reason, and closes. The close does not wait on a peer that never reads: if the error frame is not
 * written within a second, the channel is closed anyway.
 */
final class ConnectionAbort {
  private static final System.Logger LOG = System.getLogger(ConnectionAbort.class.getName());
  private static final long FLUSH_GRACE_MILLIS = 1000;

  private ConnectionAbort() {}

  static void close(Channel ch, Status status, String reason, System.Logger.Level level) {
    if (!ch.isActive()) {
      return;
    }
    LOG.log(level, "connection from {0} closed: {1}", ch.remoteAddress(), reason);
    ch.writeAndFlush(Frame.error(Wire.CONNECTION_STREAM, status, reason))
        .addListener(ChannelFutureListener.CLOSE);
    ch.eventLoop().schedule(() -> ch.close(), FLUSH_GRACE_MILLIS, TimeUnit.MILLISECONDS);
  }
}

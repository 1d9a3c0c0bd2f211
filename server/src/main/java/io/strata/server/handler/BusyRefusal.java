package io.strata.server.handler;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline of a connection beyond {@link Limits#maxConnections()}: answers at once with a
 * RESPONSE on stream 0 ({@code UNAVAILABLE}, the reason), which a client reads as the answer to its
 * HELLO, and closes when the peer does, or after a second. What the peer sends meanwhile (its
 * HELLO) is read and dropped: closed on unread bytes, the socket would be reset, and the client
 * might lose the answer. Closed without one, a client reported that the server was not a Strata
 * server.
 */
final class BusyRefusal extends ChannelInboundHandlerAdapter {
  private static final long LINGER_MILLIS = 1000;

  private final String reason;

  BusyRefusal(String reason) {
    this.reason = reason;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(Frame.error(Wire.CONNECTION_STREAM, Status.UNAVAILABLE, reason));
    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}

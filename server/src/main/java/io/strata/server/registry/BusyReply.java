package io.strata.server.registry;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The handler of a registry connection past the server's connection cap: its first request is
 * answered {@code 503 UNAVAILABLE} with the reason and {@code Retry-After}, and the connection
 * closes once that is sent (docker and containerd retry a 503). What else the peer sends is read
 * and dropped. A peer that sends nothing is closed by the idle timer before this.
 */
final class BusyReply extends ChannelInboundHandlerAdapter {
  /** Seconds a refused client is asked to wait before it tries again. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final String reason;
  private boolean answered;

  BusyReply(String reason) {
    this.reason = reason;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    boolean request = msg instanceof HttpRequest;
    ReferenceCountUtil.release(msg);
    if (request && !answered) {
      answered = true;
      FullHttpResponse r =
          Replies.error(
              new RegistryError(HttpResponseStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", reason));
      r.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}

package io.strata.server.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.strata.store.Engine;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * Answers {@code GET /metrics}. The store's figures are read on an engine thread, never on the
 * event loop.
 */
final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final System.Logger LOG = System.getLogger(MetricsHandler.class.getName());
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final ServerMetrics metrics;
  private final Engine engine;
  private final Executor engineExecutor;

  MetricsHandler(ServerMetrics metrics, Engine engine, Executor engineExecutor) {
    this.metrics = metrics;
    this.engine = engine;
    this.engineExecutor = engineExecutor;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String path = req.uri().split("\\?", 2)[0];
    if (!path.equals("/metrics")) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n", keepAlive);
      return;
    }
    if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
      respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n", keepAlive);
      return;
    }
    engineExecutor.execute(
        () -> {
          try {
            String text = metrics.render(engine.info());
            respond(ctx, HttpResponseStatus.OK, text, keepAlive);
          } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "metrics: cannot read the store's figures", e);
            respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + e + "\n", keepAlive);
          }
        });
  }

  private static void respond(
      ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
    HttpUtil.setContentLength(r, r.content().readableBytes());
    HttpUtil.setKeepAlive(r, keepAlive);
    var f = ctx.writeAndFlush(r);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(System.Logger.Level.DEBUG, "metrics connection failed: {0}", cause.toString());
    ctx.close();
  }
}

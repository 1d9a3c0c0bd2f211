package io.strata.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Counts one registry connection's HTTP traffic into {@link RegistryMetrics}. It sits right after
 * the HTTP codec, so it sees every request the codec decodes (malformed ones too) and every answer
 * whatever wrote it (the endpoints, a refusal at the connection cap, the expect-continue check). A
 * request is counted once: when the last piece of its answer is written (a full response, a HEAD's
 * head, a streamed blob's last piece), or when the connection closes first. Answers come in the
 * order of their requests (HTTP/1.1), so pipelined requests wait in a queue.
 */
public final class RegistryTraffic extends ChannelDuplexHandler {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS");

  private final RegistryMetrics metrics;
  private final Function<String, String> routeKind;
  private final LongSupplier nanoTime;
  private final ArrayDeque<Exchange> unanswered = new ArrayDeque<>();
  // the route of the request whose body is coming: still counted when its answer went early
  private String receiving = "other";

  /**
   * {@code routeKind} names a request target's route kind from a few fixed values; {@code nanoTime}
   * is the clock of the latencies.
   */
  public RegistryTraffic(
      RegistryMetrics metrics, Function<String, String> routeKind, LongSupplier nanoTime) {
    this.metrics = metrics;
    this.routeKind = routeKind;
    this.nanoTime = nanoTime;
  }

  private static final class Exchange {
    final String method;
    final String route;
    final long start;
    String code = "none";

    Exchange(String method, String route, long start) {
      this.method = method;
      this.route = route;
      this.start = start;
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    metrics.connectionOpened();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest req) {
      receiving = routeKind.apply(req.uri());
      unanswered.addLast(new Exchange(method(req.method()), receiving, nanoTime.getAsLong()));
    }
    if (msg instanceof HttpContent c) {
      metrics.received(receiving, c.content().readableBytes());
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    boolean interim =
        msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    // a 100 Continue goes before the real answer: it answers nothing yet; a write after the
    // close reaches no one, and its request was counted at the close
    if (interim || !ctx.channel().isActive()) {
      super.write(ctx, msg, promise);
      return;
    }
    Exchange x = unanswered.peekFirst();
    if (x == null) {
      // an answer with no request read (a refusal written before one came): still counted
      x = new Exchange("other", "other", nanoTime.getAsLong());
      unanswered.addFirst(x);
    }
    if (msg instanceof HttpResponse r) {
      x.code = Integer.toString(r.status().code());
    }
    if (msg instanceof HttpContent c) {
      metrics.sent(x.route, c.content().readableBytes());
    } else if (msg instanceof ByteBuf b) {
      metrics.sent(x.route, b.readableBytes());
    }
    if (msg instanceof LastHttpContent) {
      unanswered.pollFirst();
      metrics.answered(x.method, x.route, x.code, (nanoTime.getAsLong() - x.start) / 1e9);
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Exchange x;
    while ((x = unanswered.pollFirst()) != null) {
      metrics.abandoned(x.method, x.route, x.code);
    }
    metrics.connectionClosed();
    super.channelInactive(ctx);
  }

  private static String method(HttpMethod m) {
    String name = m.name();
    return METHODS.contains(name) ? name : "other";
  }
}

package io.strata.server.registry;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One request and the ways to answer it: at once on the event loop, after work on the engine
 * executor (reads paused meanwhile, so a connection has one request at a time), or as a stream.
 * After an answer the connection is kept for the next request unless the client or an error says
 * otherwise.
 */
final class Exchange {
  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());
  private static final int PIECE = 64 << 10;

  private final ChannelHandlerContext ctx;
  private final HttpRequest request;
  private final Route route;
  private final QueryStringDecoder query;
  private final Executor executor;
  private final Failures failures;
  private boolean keepAlive;

  Exchange(
      ChannelHandlerContext ctx,
      HttpRequest request,
      Route route,
      QueryStringDecoder query,
      Executor executor,
      Failures failures) {
    this.failures = failures;
    this.ctx = ctx;
    this.request = request;
    this.route = route;
    this.query = query;
    this.executor = executor;
    this.keepAlive = HttpUtil.isKeepAlive(request);
  }

  HttpRequest request() {
    return request;
  }

  Route route() {
    return route;
  }

  String header(CharSequence name) {
    return request.headers().get(name);
  }

  /** Query parameter {@code name}, or null. */
  String param(String name) {
    List<String> v = query.parameters().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Every value of query parameter {@code name}, in order. */
  List<String> params(String name) {
    return query.parameters().getOrDefault(name, List.of());
  }

  /** Answers, then closes the connection whatever the client asked. */
  void replyAndClose(FullHttpResponse r) {
    keepAlive = false;
    reply(r);
  }

  /** Sends {@code r}. */
  void reply(FullHttpResponse r) {
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    var f = ctx.writeAndFlush(r);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Sends {@code head} and then {@code body}, which the channel pulls as it drains. */
  void stream(HttpResponse head, ChunkedInput<?> body) {
    if (!keepAlive) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.write(head);
    var f = ctx.writeAndFlush(body);
    f.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Opens a body to send; called on the reader thread. */
  @FunctionalInterface
  interface BodySource {
    InputStream open() throws IOException;
  }

  /** Told how a {@link #pump} ended: whether every byte of the body was handed to the channel. */
  @FunctionalInterface
  interface PumpEnd {
    void ended(boolean complete);
  }

  /**
   * Sends {@code head}, then the body {@code source} opens, read on a thread of {@code readers}
   * (never the event loop: reading may regenerate a compressed blob, seconds of CPU) and handed to
   * the channel piece by piece; the reader waits whenever the channel is not writable, so memory is
   * the channel's high-water mark and one piece. Reads pause meanwhile. {@code head} waits for the
   * first piece: a body that fails before it (damage in a blob's first chunk) is answered with the
   * spec's error JSON naming {@code what}, never a 200 cut at 0 bytes. A body that fails half way
   * closes the connection (the client sees it cut short, never a wrong byte as the end).
   */
  void pump(HttpResponse head, String what, BodySource source, Executor readers, PumpEnd end) {
    ctx.channel().config().setAutoRead(false);
    if (!keepAlive) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    Runnable work =
        () -> {
          boolean complete = false;
          boolean headSent = false;
          boolean refused = false;
          try (InputStream in = source.open()) {
            byte[] buf = new byte[PIECE];
            int n = in.readNBytes(buf, 0, buf.length);
            headSent = true;
            ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            while (n > 0) {
              ChannelFuture f =
                  ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(buf, 0, n)));
              if (!ctx.channel().isWritable()) {
                f.awaitUninterruptibly();
              }
              if (f.isDone() && !f.isSuccess() || !ctx.channel().isActive()) {
                return;
              }
              n = in.readNBytes(buf, 0, buf.length);
            }
            complete = true;
            ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            f.addListener(
                done -> {
                  if (!done.isSuccess() || !keepAlive) {
                    ctx.close();
                  } else {
                    ctx.channel().config().setAutoRead(true);
                  }
                });
          } catch (IOException | RuntimeException e) {
            if (headSent) {
              LOG.log(System.Logger.Level.WARNING, "registry download cut: {0}", e.toString());
            } else {
              refused = true;
              RegistryError r = named(what, failures.map(e, request));
              ctx.executor()
                  .execute(
                      () -> {
                        reply(Replies.error(r));
                        ctx.channel().config().setAutoRead(true);
                      });
            }
          } finally {
            // cut short after the head, or failed with an Error: the client must not wait on
            if (!complete && !refused) {
              ctx.close();
            }
            end.ended(complete);
          }
        };
    try {
      readers.execute(work);
    } catch (RejectedExecutionException e) {
      ctx.close();
    }
  }

  /** {@code e} with {@code what} (a blob) named in its message if the store's did not name it. */
  private static RegistryError named(String what, RegistryError e) {
    if (e.getMessage().contains(what)) {
      return e;
    }
    return new RegistryError(e.status(), e.code(), what + ": " + e.getMessage());
  }

  /** The work that makes a response, which may fail. */
  @FunctionalInterface
  interface Work {
    FullHttpResponse call() throws IOException;
  }

  /** Runs {@code work} on the engine executor and sends what it makes; reads pause meanwhile. */
  void async(Work work) {
    ctx.channel().config().setAutoRead(false);
    try {
      executor.execute(
          () -> {
            FullHttpResponse r = respond(work);
            ctx.executor()
                .execute(
                    () -> {
                      reply(r);
                      ctx.channel().config().setAutoRead(true);
                    });
          });
    } catch (RejectedExecutionException e) {
      ctx.channel().config().setAutoRead(true);
      replyAndClose(
          Replies.error(
              new RegistryError(
                  io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE,
                  "UNAVAILABLE",
                  "the server is shutting down")));
    }
  }

  /** What {@code work} makes, or the error it fails with as the spec's error JSON. */
  private FullHttpResponse respond(Work work) {
    try {
      return work.call();
    } catch (RegistryError e) {
      return Replies.error(e);
    } catch (RuntimeException | IOException e) {
      return Replies.error(failures.map(e, request));
    }
  }
}

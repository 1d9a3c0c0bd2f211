package io.strata.server.registry;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * One registry connection's state machine: a request's line and headers pick the endpoint, which
 * says where the body goes ({@link Body}); the last piece of the body answers. A request the codec
 * could not read (a header or line past its limit, a malformed message) is answered 4xx and the
 * connection closed; so is any request refused while its body is still coming, since the rest of
 * that body cannot be trusted to be skipped cheaply. A dropped connection undoes the half-received
 * chunk of an upload, which stays resumable from where the client is then told.
 */
final class RegistryHandler extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(RegistryHandler.class.getName());

  private final Access access;
  private final BlobEndpoints blobs;
  private final ManifestEndpoints manifests;
  private final ChunkEndpoints chunks;
  private final Executor executor;
  private final String scheme;
  private final Failures failures;
  private Body body;
  private Exchange exchange;
  // whether the current request's last body piece has come
  private boolean ended;

  RegistryHandler(
      Access access,
      BlobEndpoints blobs,
      ManifestEndpoints manifests,
      ChunkEndpoints chunks,
      Executor executor,
      String scheme,
      Failures failures) {
    this.access = access;
    this.failures = failures;
    this.blobs = blobs;
    this.manifests = manifests;
    this.chunks = chunks;
    this.executor = executor;
    this.scheme = scheme;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest req) {
        onRequest(ctx, req);
      }
      if (msg instanceof HttpContent c && body != null) {
        if (c.decoderResult().isFailure()) {
          throw new RegistryError(
              HttpResponseStatus.BAD_REQUEST, "UNSUPPORTED", "malformed request body");
        }
        body.content(c.content());
        if (msg instanceof LastHttpContent) {
          ended = true;
          Body b = body;
          body = null;
          try {
            b.end();
          } catch (RuntimeException | IOException e) {
            b.abort();
            throw e;
          }
        }
      }
    } catch (RegistryError e) {
      fail(e);
    } catch (RuntimeException | IOException e) {
      fail(failures.map(e, exchange == null ? null : exchange.request()));
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest req) throws IOException {
    body = null;
    ended = req instanceof LastHttpContent;
    DecoderResult dr = req.decoderResult();
    if (dr.isFailure()) {
      exchange = new Exchange(ctx, req, null, new QueryStringDecoder("/"), executor, failures);
      Throwable cause = dr.cause();
      HttpResponseStatus status =
          cause instanceof TooLongHttpHeaderException
              ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
              : cause instanceof TooLongHttpLineException
                  ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                  : HttpResponseStatus.BAD_REQUEST;
      String what =
          cause instanceof TooLongFrameException ? cause.getMessage() : "malformed HTTP request";
      exchange.replyAndClose(
          Replies.error(new RegistryError(status, "UNSUPPORTED", "request refused: " + what)));
      body = Body.ignored(() -> {});
      return;
    }
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    exchange = new Exchange(ctx, req, null, q, executor, failures);
    Route route = Route.parse(q.rawPath());
    exchange = new Exchange(ctx, req, route, q, executor, failures);
    if (route.kind() == Route.Kind.TOKEN) {
      body = Body.ignored(this::token);
      return;
    }
    String challenge =
        Access.challenge(scheme, req.headers().get(HttpHeaderNames.HOST, "localhost"));
    if (!access.allows(req, route.kind() == Route.Kind.CHUNKS)) {
      FullHttpResponse r =
          Replies.error(
              RegistryError.unauthorized(
                  "authentication required: present the server's token", challenge));
      if (hasBody(req)) {
        exchange.replyAndClose(r);
      } else {
        exchange.reply(r);
      }
      body = Body.ignored(() -> {});
      return;
    }
    if (route.kind() == Route.Kind.BASE && !access.admitsBase(req)) {
      exchange.reply(
          Replies.error(
              RegistryError.unauthorized(
                  "authentication required: get a token (anonymous pull needs none)", challenge)));
      body = Body.ignored(() -> {});
      return;
    }
    Exchange x = exchange;
    body =
        switch (route.kind()) {
          case BASE -> Body.ignored(() -> x.reply(Replies.json(HttpResponseStatus.OK, "{}")));
          // a GET that would publish a Strata image writes: anonymous pull does not cover it
          case MANIFEST -> manifests.manifest(x, access.presented(req) ? null : challenge);
          case TAGS -> manifests.tags(x);
          case REFERRERS -> manifests.referrers(x);
          case CHUNKS -> chunks.request(x);
          case BLOB -> blobs.blob(x);
          case UPLOAD -> blobs.upload(x);
          case TOKEN -> throw new IllegalStateException("handled above");
        };
  }

  private void token() {
    if (!exchange.request().method().equals(HttpMethod.GET)) {
      throw RegistryError.unsupported("the token endpoint answers GET only");
    }
    if (access.open()) {
      exchange.reply(Replies.json(HttpResponseStatus.OK, "{\"token\":\"anonymous\"}"));
      return;
    }
    boolean credentials = exchange.request().headers().contains(HttpHeaderNames.AUTHORIZATION);
    if (!credentials && access.anonymousPull()) {
      // good for reads only: a write still needs the token itself
      exchange.reply(
          Replies.json(
              HttpResponseStatus.OK,
              "{\"token\":\""
                  + Access.ANONYMOUS
                  + "\",\"access_token\":\""
                  + Access.ANONYMOUS
                  + "\",\"expires_in\":3600}"));
      return;
    }
    if (!access.presented(exchange.request())) {
      exchange.reply(
          Replies.error(
              new RegistryError(
                  HttpResponseStatus.UNAUTHORIZED,
                  "UNAUTHORIZED",
                  "token endpoint: present the server's token as the password")));
      return;
    }
    String t = access.token().replace("\\", "\\\\").replace("\"", "\\\"");
    exchange.reply(
        Replies.json(
            HttpResponseStatus.OK,
            "{\"token\":\"" + t + "\",\"access_token\":\"" + t + "\",\"expires_in\":3600}"));
  }

  private static boolean hasBody(HttpRequest req) {
    return req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
            && !"0".equals(req.headers().get(HttpHeaderNames.CONTENT_LENGTH))
        || req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
  }

  /** Answers {@code e}; a request whose body was still coming also closes the connection. */
  private void fail(RegistryError e) {
    Body b = body;
    body = Body.ignored(() -> {});
    if (b != null) {
      b.abort();
    }
    if (exchange == null) {
      return;
    }
    FullHttpResponse r = Replies.error(e);
    if (!ended && hasBody(exchange.request())) {
      exchange.replyAndClose(r);
    } else {
      exchange.reply(r);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      // a client that neither sends nor reads for the idle timeout holds resources for nothing
      if (body != null) {
        body.abort();
        body = null;
      }
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (body != null) {
      body.abort();
      body = null;
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof ReadTimeoutException) && !(cause instanceof IOException)) {
      LOG.log(System.Logger.Level.DEBUG, "registry connection failed: {0}", cause.toString());
    }
    if (body != null) {
      body.abort();
      body = null;
    }
    ctx.close();
  }
}

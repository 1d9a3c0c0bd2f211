package io.strata.server.handler;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

/**
 * The first frames of a connection: HELLO (version), then AUTH when the server has a token. Until
 * both are done nothing reaches the {@link RequestHandler}; then this handler removes itself. Any
 * other frame, a bad version, a wrong token, or no handshake within the timeout closes the
 * connection. Tokens are compared in constant time.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private enum Step {
    HELLO,
    AUTH,
    CLOSED
  }

  private final byte[] token;
  private final Limits limits;
  private final String serverName;
  private Step step = Step.HELLO;
  private ScheduledFuture<?> deadline;

  /** {@code token}: null when the server has none (then only loopback peers are served). */
  public HandshakeHandler(byte[] token, Limits limits, String serverName) {
    this.token = token == null ? null : token.clone();
    this.limits = limits;
    this.serverName = serverName;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long millis = limits.handshakeTimeout().toMillis();
    deadline =
        ctx.executor()
            .schedule(
                () ->
                    abort(
                        ctx,
                        Status.PROTOCOL_ERROR,
                        "no handshake within " + millis + " ms",
                        System.Logger.Level.WARNING),
                millis,
                TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Frame f)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      switch (step) {
        case HELLO -> hello(ctx, f);
        case AUTH -> auth(ctx, f);
        case CLOSED -> {
          // Frames that were decoded before the abort: the connection is closing.
        }
      }
    } catch (ProtocolException e) {
      abort(ctx, Status.PROTOCOL_ERROR, e.getMessage(), System.Logger.Level.WARNING);
    } finally {
      f.release();
    }
  }

  private void hello(ChannelHandlerContext ctx, Frame f) throws ProtocolException {
    expect(f, FrameType.HELLO);
    Hello hello = Hello.decode(ByteBuffer.wrap(f.payloadBytes()));
    if (!hello.offers(Wire.VERSION)) {
      abort(
          ctx,
          Status.UNSUPPORTED_VERSION,
          "client speaks protocol versions "
              + hello.minVersion()
              + " to "
              + hello.maxVersion()
              + ", this server speaks "
              + Wire.VERSION,
          System.Logger.Level.INFO);
      return;
    }
    if (token == null && !loopbackPeer(ctx)) {
      abort(
          ctx,
          Status.UNAUTHENTICATED,
          "this server has no --token-file and serves loopback clients only",
          System.Logger.Level.WARNING);
      return;
    }
    Welcome w =
        new Welcome(
            Wire.VERSION, token != null, limits.maxFrameLength(), limits.maxStreams(), serverName);
    ctx.writeAndFlush(Frame.of(FrameType.WELCOME, Wire.CONNECTION_STREAM, w.encode()));
    if (token == null) {
      done(ctx);
    } else {
      step = Step.AUTH;
    }
  }

  private void auth(ChannelHandlerContext ctx, Frame f) throws ProtocolException {
    expect(f, FrameType.AUTH);
    if (!MessageDigest.isEqual(f.payloadBytes(), token)) {
      abort(ctx, Status.UNAUTHENTICATED, "wrong token", System.Logger.Level.WARNING);
      return;
    }
    ctx.writeAndFlush(Frame.of(FrameType.AUTH_OK, Wire.CONNECTION_STREAM, new byte[0]));
    done(ctx);
  }

  private void expect(Frame f, FrameType type) throws ProtocolException {
    if (f.type() != type || f.stream() != Wire.CONNECTION_STREAM) {
      throw new ProtocolException(
          "expected " + type + " on stream 0, got " + f.type() + " on stream " + f.stream());
    }
  }

  private void done(ChannelHandlerContext ctx) {
    deadline.cancel(false);
    ctx.pipeline().remove(this);
  }

  private void abort(
      ChannelHandlerContext ctx, Status status, String reason, System.Logger.Level level) {
    step = Step.CLOSED;
    if (deadline != null) {
      deadline.cancel(false);
    }
    ConnectionAbort.close(ctx.channel(), status, "handshake: " + reason, level);
  }

  /** Whether the peer is on this host: a loopback address, or an in-process (non-IP) channel. */
  private static boolean loopbackPeer(ChannelHandlerContext ctx) {
    if (!(ctx.channel().remoteAddress() instanceof InetSocketAddress a)) {
      return true;
    }
    return a.getAddress() != null && a.getAddress().isLoopbackAddress();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
    ctx.fireChannelInactive();
  }
}

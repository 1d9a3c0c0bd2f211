package io.strata.server.handler;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.strata.protocol.Status;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.op.Operations;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of every accepted connection:
 *
 * <pre>
 * IdleStateHandler → FrameDecoder → FrameEncoder → HandshakeHandler → RequestHandler
 * </pre>
 *
 * Connections beyond {@link Limits#maxConnections()} are told so and closed at once.
 */
public final class StrataChannelInitializer extends ChannelInitializer<SocketChannel> {
  private static final System.Logger LOG =
      System.getLogger(StrataChannelInitializer.class.getName());
  private static final FrameEncoder ENCODER = new FrameEncoder();

  private final LogThrottle refusals = new LogThrottle();

  private final Operations operations;
  private final Executor engineExecutor;
  private final ServerState state;
  private final Limits limits;
  private final byte[] token;
  private final String serverName;

  public StrataChannelInitializer(
      Operations operations,
      Executor engineExecutor,
      ServerState state,
      Limits limits,
      byte[] token,
      String serverName) {
    this.operations = operations;
    this.engineExecutor = engineExecutor;
    this.state = state;
    this.limits = limits;
    this.token = token == null ? null : token.clone();
    this.serverName = serverName;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (!state.admit(ch, limits.maxConnections())) {
      // Said on stream 0 before the close, as the handshake's errors are: a bare close read as
      // "not a Strata server" to the client.
      String reason =
          limits.maxConnections() + " connections are open, the server's maximum; retry later";
      int skipped = refusals.admit();
      if (skipped >= 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "connection from "
                + ch.remoteAddress()
                + " refused: "
                + reason
                + LogThrottle.more(skipped));
      }
      ch.pipeline().addLast(ENCODER);
      ConnectionAbort.close(ch, Status.UNAVAILABLE, reason, System.Logger.Level.DEBUG);
      return;
    }
    ch.pipeline()
        .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .addLast(new FrameDecoder(limits.maxFrameLength()))
        .addLast(ENCODER)
        .addLast(new HandshakeHandler(token, limits, serverName))
        .addLast(new RequestHandler(operations, engineExecutor, state, limits));
  }
}

package io.strata.server.handler;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.strata.server.codec.FrameBudget;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.op.Operations;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of every accepted connection:
 *
 * <pre>
 * IdleStateHandler → FrameDecoder → FrameEncoder → HandshakeHandler → RequestHandler
 * </pre>
 *
 * Connections beyond {@link Limits#maxConnections()} are answered {@code UNAVAILABLE} by a {@link
 * BusyRefusal} and closed; the refusals are logged at most once a minute. All decoders share one
 * {@link FrameBudget} for large frames.
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
  // Shared by the connections' decoders: the bound on large frames being received.
  private final FrameBudget largeFrames;
  private final String busy;

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
    this.largeFrames = new FrameBudget(limits.largeFrameBudget());
    this.busy =
        String.format(
            Locale.ROOT,
            "busy: %,d connections are open, its maximum; try again later",
            limits.maxConnections());
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (!state.admit(ch, limits.maxConnections())) {
      int skipped = refusals.admit();
      if (skipped >= 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "connection from "
                + ch.remoteAddress()
                + " refused: "
                + limits.maxConnections()
                + " connections are open, the maximum"
                + LogThrottle.more(skipped));
      }
      ch.pipeline().addLast(ENCODER).addLast(new BusyRefusal(busy));
      return;
    }
    ch.pipeline()
        .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .addLast(new FrameDecoder(limits.maxFrameLength(), largeFrames))
        .addLast(ENCODER)
        .addLast(new HandshakeHandler(token, limits, serverName))
        .addLast(new RequestHandler(operations, engineExecutor, state, limits));
  }
}

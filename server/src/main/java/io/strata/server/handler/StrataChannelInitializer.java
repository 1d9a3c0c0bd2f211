package io.strata.server.handler;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.strata.server.codec.FrameBudget;
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
 * Connections beyond the {@link ConnectionCap} are answered {@code UNAVAILABLE} by a {@link
 * BusyRefusal} and closed. All decoders share one {@link FrameBudget} for large frames.
 */
public final class StrataChannelInitializer extends ChannelInitializer<SocketChannel> {
  private static final FrameEncoder ENCODER = new FrameEncoder();

  private final Operations operations;
  private final Executor engineExecutor;
  private final ServerState state;
  private final Limits limits;
  private final ConnectionCap cap;
  private final byte[] token;
  private final String serverName;
  // Shared by the connections' decoders: the bound on large frames being received.
  private final FrameBudget largeFrames;
  // Shared by the connections' upload windows: the bound on upload bytes the engine has not taken.
  private final InboundBudget uploads;
  private final String busy;

  public StrataChannelInitializer(
      Operations operations,
      Executor engineExecutor,
      ServerState state,
      Limits limits,
      ConnectionCap cap,
      byte[] token,
      String serverName) {
    this.operations = operations;
    this.engineExecutor = engineExecutor;
    this.state = state;
    this.limits = limits;
    this.cap = cap;
    this.token = token == null ? null : token.clone();
    this.serverName = serverName;
    this.largeFrames = new FrameBudget(limits.largeFrameBudget());
    this.uploads = new InboundBudget(limits.uploadBudget());
    this.busy = cap.busyReason();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (!cap.admit(ch, "--listen")) {
      ch.pipeline().addLast(ENCODER).addLast(new BusyRefusal(busy));
      return;
    }
    state.track(ch);
    ch.pipeline()
        .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .addLast(new FrameDecoder(limits.maxFrameLength(), largeFrames))
        .addLast(ENCODER)
        .addLast(new HandshakeHandler(token, limits, serverName))
        .addLast(new RequestHandler(operations, engineExecutor, state, limits, uploads));
  }
}

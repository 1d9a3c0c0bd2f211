package io.strata.server.handler;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.strata.protocol.Opcode;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.CorruptFrameException;
import io.strata.server.codec.Frame;
import io.strata.server.codec.FrameBudgetException;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operation;
import io.strata.server.op.Operations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Dispatches the frames of an authenticated connection to its streams. Runs on the event loop and
 * only routes: REQUEST opens a stream and starts its operation on the engine executor, DATA and END
 * feed an upload, CANCEL stops a stream. Several streams run at once, each answered exactly once.
 *
 * <p>Flow control: upload bytes queued for the engine are counted in an {@link InboundWindow} that
 * turns autoRead off while the engine is behind (this connection's, or all of them together past
 * the server's {@link InboundBudget}); downloads park while the channel is unwritable, and a peer
 * that leaves them unread past the slow-client timeout is disconnected. A connection with nothing
 * in flight, or with an upload that gets no data, is closed after the idle timeout.
 *
 * <p>Frames for a stream that was answered already (DATA the client sent before it saw an early
 * error) or that the client cancelled (an END or DATA that crossed its CANCEL) are dropped, so
 * every request gets exactly one RESPONSE whatever the order; frames that break the protocol (DATA
 * or a second END after the client's own END) close the connection.
 */
public final class RequestHandler extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

  /** What the upload window counts for each queued DATA frame besides its payload. */
  static final int QUEUED_FRAME_COST = 128;

  private final Operations operations;
  private final Executor engineExecutor;
  private final ServerState state;
  private final Limits limits;
  private final InboundBudget uploads;
  private final ServerMetrics metrics;
  private final Map<Integer, ServerStream> streams = new HashMap<>();
  private final Map<ServerStream, RequestLog> logs = new ConcurrentHashMap<>();
  private InboundWindow window;
  private ScheduledFuture<?> stallTimer;

  /** {@code uploads} is shared by every connection of the server. */
  RequestHandler(
      Operations operations,
      Executor engineExecutor,
      ServerState state,
      Limits limits,
      InboundBudget uploads) {
    this.operations = operations;
    this.engineExecutor = engineExecutor;
    this.state = state;
    this.limits = limits;
    this.uploads = uploads;
    this.metrics = state.metrics();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    window =
        new InboundWindow(
            ctx.channel(), limits.inboundHighWater(), limits.inboundLowWater(), uploads);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Frame f)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      switch (f.type()) {
        case REQUEST -> request(ctx, f);
        case DATA -> data(ctx, f);
        case END -> end(ctx, f);
        case CANCEL -> cancel(f);
        default -> violation(ctx, f.type() + " frame after the handshake");
      }
    } catch (ProtocolException e) {
      violation(ctx, e.getMessage());
    } finally {
      f.release();
    }
  }

  private void request(ChannelHandlerContext ctx, Frame f) throws ProtocolException {
    int id = f.stream();
    RequestHeader header = RequestHeader.decode(ByteBuffer.wrap(f.payloadBytes()));
    if (id == Wire.CONNECTION_STREAM) {
      throw new ProtocolException("REQUEST on stream 0, which is the connection's");
    }
    if (streams.containsKey(id)) {
      throw new ProtocolException("REQUEST on stream " + id + ", which is still in flight");
    }
    if (streams.size() >= limits.maxStreams()) {
      ConnectionAbort.close(
          ctx.channel(),
          Status.LIMIT_EXCEEDED,
          "more than " + limits.maxStreams() + " requests in flight",
          System.Logger.Level.WARNING);
      return;
    }
    String label = Opcode.describe(header.opcode());
    if (state.draining()) {
      refuse(ctx, id, label, Status.UNAVAILABLE, label + ": the server is shutting down");
      return;
    }
    Operation op = operations.find(header.opcode());
    if (op == null) {
      refuse(
          ctx,
          id,
          label,
          Status.UNIMPLEMENTED,
          "operation " + label + " is not served by this server (protocol " + Wire.VERSION + ")");
      return;
    }
    RequestLog log = new RequestLog(label, System.nanoTime());
    ServerStream s =
        new ServerStream(
            id,
            header.opcode(),
            ctx.channel(),
            engineExecutor,
            operations.dataRoot(),
            operations::diskFull,
            (stream, status) -> answered(ctx, stream, status),
            n -> {
              metrics.sent(n);
              log.sent(n);
            });
    logs.put(s, log);
    streams.put(id, s);
    state.requestStarted();
    s.start(op, header.args());
  }

  private void refuse(ChannelHandlerContext ctx, int id, String label, Status s, String why) {
    metrics.request(label, s);
    ctx.writeAndFlush(Frame.error(id, s, why));
  }

  /**
   * Runs once a stream is answered, before its RESPONSE is written: forgets it on the event loop,
   * in a task queued ahead of the RESPONSE's write (or at once when on the event loop), so the
   * stream no longer counts as in flight by the time the client reads its answer.
   */
  private void answered(ChannelHandlerContext ctx, ServerStream s, Status status) {
    RequestLog log = logs.remove(s);
    if (log != null) {
      long now = System.nanoTime();
      metrics.request(s.label(), status, log.seconds(now));
      log.ended(status, now, s.failure());
    } else {
      metrics.request(s.label(), status);
    }
    Runnable forget =
        () -> {
          if (streams.remove(s.id(), s)) {
            state.requestEnded();
          }
        };
    if (ctx.executor().inEventLoop()) {
      forget.run();
    } else {
      ctx.executor().execute(forget);
    }
  }

  private void data(ChannelHandlerContext ctx, Frame f) throws ProtocolException {
    ServerStream s = streams.get(f.stream());
    if (s == null || s.finished()) {
      return;
    }
    if (!s.transfer().uploads()) {
      throw new ProtocolException("DATA on stream " + f.stream() + " (" + s.label() + ")");
    }
    if (s.inputEnded()) {
      throw new ProtocolException("DATA after END on stream " + f.stream());
    }
    int n = f.content().readableBytes();
    metrics.received(n);
    RequestLog log = logs.get(s);
    if (log != null) {
      log.received(n);
    }
    // A queued frame costs its bookkeeping too: charged by payload alone, a flood of empty DATA
    // frames would queue without bound.
    int charge = n + QUEUED_FRAME_COST;
    window.add(charge);
    s.write(f.content().retain(), () -> window.release(charge));
  }

  private void end(ChannelHandlerContext ctx, Frame f) throws ProtocolException {
    ServerStream s = streams.get(f.stream());
    if (s == null || s.finished()) {
      return;
    }
    if (!s.transfer().uploads() || s.inputEnded()) {
      throw new ProtocolException("END on stream " + f.stream() + " (" + s.label() + ")");
    }
    s.endInput();
    s.finishUpload();
  }

  private void cancel(Frame f) {
    ServerStream s = streams.get(f.stream());
    // A second CANCEL, or one for a stream already answered, changes nothing.
    if (s != null && !s.finished()) {
      s.endInput();
      s.cancel("the client cancelled it");
      s.unpark();
    }
  }

  private void violation(ChannelHandlerContext ctx, String reason) {
    metrics.protocolError();
    ConnectionAbort.close(
        ctx.channel(), Status.PROTOCOL_ERROR, reason, System.Logger.Level.WARNING);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      if (stallTimer != null) {
        stallTimer.cancel(false);
        stallTimer = null;
      }
      for (ServerStream s : new ArrayList<>(streams.values())) {
        s.unpark();
      }
    } else if (stallTimer == null) {
      long millis = limits.slowClientTimeout().toMillis();
      stallTimer =
          ctx.executor()
              .schedule(
                  () -> {
                    if (!ctx.channel().isWritable()) {
                      ConnectionAbort.close(
                          ctx.channel(),
                          Status.UNAVAILABLE,
                          "the client read nothing for " + millis + " ms",
                          System.Logger.Level.WARNING);
                    }
                  },
                  millis,
                  TimeUnit.MILLISECONDS);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof IdleStateEvent) || window.paused()) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    long millis = limits.idleTimeout().toMillis();
    if (streams.isEmpty()) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "connection from {0} closed: idle for {1} ms",
          ctx.channel().remoteAddress(),
          millis);
      ctx.close();
      return;
    }
    for (ServerStream s : streams.values()) {
      if (s.transfer().uploads() && !s.inputEnded() && !s.answered()) {
        ConnectionAbort.close(
            ctx.channel(),
            Status.UNAVAILABLE,
            "upload " + s.label() + " on stream " + s.id() + " got no data for " + millis + " ms",
            System.Logger.Level.WARNING);
        return;
      }
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    metrics.connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    metrics.connectionClosed();
    if (stallTimer != null) {
      stallTimer.cancel(false);
    }
    for (ServerStream s : new ArrayList<>(streams.values())) {
      s.cancel("the connection closed");
      s.unpark();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptFrameException) {
      violation(ctx, cause.getMessage());
    } else if (cause instanceof FrameBudgetException) {
      ConnectionAbort.close(
          ctx.channel(), Status.UNAVAILABLE, cause.getMessage(), System.Logger.Level.WARNING);
    } else if (cause instanceof OutOfMemoryError) {
      // Memory the server's peers took all of (a read buffer failed to allocate): one line, not a
      // stack trace for every connection it hits, which buried the log under hundreds.
      ConnectionAbort.close(
          ctx.channel(),
          Status.UNAVAILABLE,
          "the server is short of memory (" + cause.getMessage() + "); retry later",
          System.Logger.Level.WARNING);
    } else if (cause instanceof IOException) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "connection from {0} failed: {1}",
          ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    } else {
      LOG.log(
          System.Logger.Level.WARNING,
          "connection from " + ctx.channel().remoteAddress() + " failed unexpectedly",
          cause);
      // The peer gets a sentence; the exception's own text, a library's, is in the log above.
      ConnectionAbort.close(
          ctx.channel(),
          Status.INTERNAL,
          "internal error on the server (" + cause.getClass().getSimpleName() + ")",
          System.Logger.Level.DEBUG);
    }
  }
}

package io.strata.server.handler;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.server.codec.FrameBudget;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real engine's operations behind the request handler on an embedded channel: what the request
 * tests send frames into and read answers from. Engine tasks queue up and run on the test's thread
 * when it reads answers, so the channel is only ever touched from that thread; a download fed by a
 * producer thread (an export, a build log) queues its next step when the producer has bytes.
 */
final class DispatchedEngine {
  private static final Duration ANSWER_DEADLINE = Duration.ofSeconds(60);

  private final SentFrames sent = new SentFrames();
  private final BlockingQueue<Runnable> engineWork = new LinkedBlockingQueue<>();
  private final Engine engine;
  private final Operations operations;
  private final EmbeddedChannel ch;

  DispatchedEngine(Path dataRoot) throws IOException {
    engine = Engine.open(dataRoot, null, ChunkStore.Options.defaults());
    operations = Operations.over(engine, r -> {}, List.of());
    ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
            new FrameEncoder(),
            new RequestHandler(
                operations,
                engineWork::add,
                new ServerState(new ServerMetrics()),
                Limits.defaults(),
                new InboundBudget(Limits.defaults().uploadBudget())));
  }

  Engine engine() {
    return engine;
  }

  /** Sends a REQUEST with JSON arguments {@code args}. */
  void request(int stream, Opcode op, String args) {
    frame(
        FrameType.REQUEST,
        stream,
        new RequestHeader(op.code(), args.getBytes(StandardCharsets.UTF_8)).encode());
  }

  /** Sends one frame. */
  void frame(FrameType type, int stream, byte[] payload) {
    ch.writeInbound(Unpooled.wrappedBuffer(FrameHeader.frame(type, stream, payload)));
  }

  /** Sends raw bytes, as a peer's socket would deliver them. */
  void raw(byte[] bytes) {
    ch.writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  /** Runs the engine work queued so far; returns the frames sent back since the last call. */
  List<SentFrames.Sent> drain() throws Exception {
    Runnable r;
    while ((r = engineWork.poll()) != null) {
      r.run();
    }
    return sent.drain(ch);
  }

  /**
   * Runs engine work as it comes until the RESPONSE on {@code stream} was sent; returns the frames
   * sent back meanwhile. Fails after a deadline.
   */
  List<SentFrames.Sent> drainUntilAnswered(int stream) throws Exception {
    long deadline = System.nanoTime() + ANSWER_DEADLINE.toNanos();
    List<SentFrames.Sent> out = new ArrayList<>();
    while (true) {
      out.addAll(drain());
      if (out.stream().anyMatch(f -> f.stream() == stream && f.type() == FrameType.RESPONSE)) {
        return out;
      }
      long left = deadline - System.nanoTime();
      Runnable r = left > 0 ? engineWork.poll(left, TimeUnit.NANOSECONDS) : null;
      if (r == null) {
        throw new AssertionError(
            "no RESPONSE on stream " + stream + " within " + ANSWER_DEADLINE + "; got " + out);
      }
      r.run();
    }
  }

  /** Closes the channel, the operations and the engine. */
  void close() throws Exception {
    drain();
    ch.finishAndReleaseAll();
    operations.shutdown(Duration.ofSeconds(5));
    engine.close();
  }
}

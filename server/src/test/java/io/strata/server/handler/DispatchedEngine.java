package io.strata.server.handler;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A real engine's operations behind the request handler on an embedded channel, engine calls
 * inline: what the request tests send frames into and read answers from.
 */
final class DispatchedEngine {
  private final SentFrames sent = new SentFrames();
  private final Engine engine;
  private final Operations operations;
  private final EmbeddedChannel ch;

  DispatchedEngine(Path dataRoot) throws IOException {
    engine = Engine.open(dataRoot, null, ChunkStore.Options.defaults());
    operations = Operations.over(engine, r -> {}, List.of());
    ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20),
            new FrameEncoder(),
            new RequestHandler(
                operations,
                Runnable::run,
                new ServerState(new ServerMetrics()),
                Limits.defaults()));
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

  /** The frames sent back since the last call. */
  List<SentFrames.Sent> drain() throws Exception {
    return sent.drain(ch);
  }

  /** Closes the channel, the operations and the engine. */
  void close() throws Exception {
    ch.finishAndReleaseAll();
    operations.shutdown();
    engine.close();
  }
}

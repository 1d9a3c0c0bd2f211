package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.Status;
import io.strata.server.codec.FrameBudget;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The upload window bounds what a connection queues for a busy engine, empty frames included. */
@Timeout(60)
class UploadWindowTest {
  @TempDir Path dir;

  @Test
  void aFloodOfEmptyDataFramesStopsReadingWhileTheEngineIsBehind() throws Exception {
    Queue<Runnable> engineWork = new ArrayDeque<>();
    Engine engine = Engine.open(dir.resolve("data"), null, ChunkStore.Options.defaults());
    Operations operations = Operations.over(engine, r -> {}, List.of());
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
            new FrameEncoder(),
            new RequestHandler(
                operations,
                engineWork::add,
                new ServerState(new ServerMetrics()),
                Limits.defaults()));
    try {
      // REQUEST, stream 1, opcode 0101 blob.put, args {}
      ch.writeInbound(
          Unpooled.wrappedBuffer(HexFormat.of().parseHex("000000091000000001" + "0101" + "7b7d")));
      // DATA, stream 1, no payload: 9 bytes on the wire each, and the engine runs none of them
      byte[] empty = HexFormat.of().parseHex("00000005" + "11" + "00000001");
      int frames = 0;
      while (ch.config().isAutoRead() && frames < 100_000) {
        ch.writeInbound(Unpooled.wrappedBuffer(empty));
        frames++;
      }
      assertThat(ch.config().isAutoRead()).as("reading stopped").isFalse();
      assertThat(frames).isLessThanOrEqualTo(Limits.defaults().inboundHighWater() / 64);
      // the engine catches up: reading resumes, and the upload still completes
      Runnable r;
      while ((r = engineWork.poll()) != null) {
        r.run();
      }
      ch.runPendingTasks();
      assertThat(ch.config().isAutoRead()).isTrue();
      ch.writeInbound(
          Unpooled.wrappedBuffer(HexFormat.of().parseHex("00000005" + "12" + "00000001")));
      while ((r = engineWork.poll()) != null) {
        r.run();
      }
      List<SentFrames.Sent> out = new SentFrames().drain(ch);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).status()).isEqualTo(Status.OK);
    } finally {
      ch.finishAndReleaseAll();
      operations.shutdown(Duration.ofSeconds(5));
      engine.close();
    }
  }
}

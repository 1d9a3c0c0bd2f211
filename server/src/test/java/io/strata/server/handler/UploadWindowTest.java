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
import java.nio.ByteBuffer;
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
                Limits.defaults(),
                new InboundBudget(Limits.defaults().uploadBudget())));
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

  /**
   * Two connections uploading while the engine takes nothing: together they stop at the server's
   * budget, long before either reaches its own window, yet the second still gets the share the
   * budget guarantees every connection; once the engine takes the first's bytes, the second reads
   * again. Before the budget, every connection could queue its whole window (docs/ADVERSARIAL.md,
   * D4).
   */
  @Test
  void connectionsTogetherStopAtTheServersBudgetEachKeepingItsShare() throws Exception {
    long budgetBytes = 512 << 10;
    InboundBudget budget = new InboundBudget(budgetBytes);
    Limits limits = Limits.defaults();
    Engine engine = Engine.open(dir.resolve("data"), null, ChunkStore.Options.defaults());
    Operations operations = Operations.over(engine, r -> {}, List.of());
    Queue<Runnable> workA = new ArrayDeque<>();
    Queue<Runnable> workB = new ArrayDeque<>();
    EmbeddedChannel a = uploader(operations, workA, limits, budget);
    EmbeddedChannel b = uploader(operations, workB, limits, budget);
    try {
      byte[] piece = dataFrame(60 << 10);
      int framesA = 0;
      while (a.config().isAutoRead() && framesA < 1000) {
        a.writeInbound(Unpooled.wrappedBuffer(piece));
        framesA++;
      }
      assertThat(a.config().isAutoRead()).as("A stopped").isFalse();
      // stopped by the budget, far under its own 2 MiB window
      assertThat(budget.used()).isBetween(budgetBytes, budgetBytes + piece.length);
      assertThat((long) framesA * (60 << 10)).isLessThan(limits.inboundHighWater() / 2);

      int framesB = 0;
      while (b.config().isAutoRead() && framesB < 1000) {
        b.writeInbound(Unpooled.wrappedBuffer(piece));
        framesB++;
      }
      assertThat(b.config().isAutoRead()).as("B stopped").isFalse();
      // B got what the budget guarantees it: 128 KiB, three frames of 60 KiB
      assertThat(framesB).isEqualTo(3);

      runAll(workA);
      b.runPendingTasks();
      a.runPendingTasks();
      assertThat(b.config().isAutoRead()).as("B reads again").isTrue();
      assertThat(a.config().isAutoRead()).as("A reads again").isTrue();
      runAll(workB);
      assertThat(budget.used()).isZero();
    } finally {
      a.finishAndReleaseAll();
      b.finishAndReleaseAll();
      operations.shutdown(Duration.ofSeconds(5));
      engine.close();
    }
  }

  /** A connection that has begun a blob.put on stream 1, its engine work going to {@code work}. */
  private static EmbeddedChannel uploader(
      Operations operations, Queue<Runnable> work, Limits limits, InboundBudget budget) {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
            new FrameEncoder(),
            new RequestHandler(
                operations, work::add, new ServerState(new ServerMetrics()), limits, budget));
    // REQUEST, stream 1, opcode 0101 blob.put, args {}
    ch.writeInbound(
        Unpooled.wrappedBuffer(HexFormat.of().parseHex("000000091000000001" + "0101" + "7b7d")));
    return ch;
  }

  /** A DATA frame on stream 1 carrying {@code n} bytes. */
  private static byte[] dataFrame(int n) {
    return ByteBuffer.allocate(4 + 5 + n).putInt(5 + n).put((byte) 0x11).putInt(1).array();
  }

  private static void runAll(Queue<Runnable> work) {
    Runnable r;
    while ((r = work.poll()) != null) {
      r.run();
    }
  }
}

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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CANCEL, END and DATA in every order on one upload stream, with the engine's work run only when
 * the test says: a frame can arrive while the engine has not yet seen the ones before it, as it
 * does on a busy server. The protocol promises exactly one RESPONSE per request; frames for a
 * stream the client cancelled or the server answered are ignored.
 */
@Timeout(120)
class StreamOrderTest {
  @TempDir Path dir;

  private final SentFrames sent = new SentFrames();
  private final Queue<Runnable> engineWork = new ArrayDeque<>();
  private Engine engine;
  private Operations operations;
  private EmbeddedChannel ch;

  @BeforeEach
  void open() throws Exception {
    engine = Engine.open(dir.resolve("data"), null, ChunkStore.Options.defaults());
    operations = Operations.over(engine, r -> {}, List.of());
    ch = channel();
  }

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(
        new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
        new FrameEncoder(),
        new RequestHandler(
            operations,
            engineWork::add,
            new ServerState(new ServerMetrics()),
            Limits.defaults(),
            new InboundBudget(Limits.defaults().uploadBudget())));
  }

  @AfterEach
  void close() throws Exception {
    runEngine();
    ch.finishAndReleaseAll();
    operations.shutdown(Duration.ofSeconds(5));
    engine.close();
  }

  /** Runs the engine work queued so far, and what it queues in turn. */
  private void runEngine() {
    Runnable r;
    while ((r = engineWork.poll()) != null) {
      r.run();
    }
    ch.runPendingTasks();
  }

  private void send(String hex) {
    ch.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex)));
  }

  @Test
  void endAfterCancelIsIgnoredAndTheStreamIsAnsweredOnce() throws Exception {
    // REQUEST, stream 1, opcode 0101 blob.put, args {}
    send("00000009" + "10" + "00000001" + "0101" + "7b7d");
    runEngine();
    // DATA, stream 1, payload 01 02 03
    send("00000008" + "11" + "00000001" + "010203");
    // CANCEL, stream 1; then END, stream 1, sent before the client saw the answer
    send("00000005" + "14" + "00000001");
    send("00000005" + "12" + "00000001");
    // and a late DATA and a second CANCEL
    send("00000006" + "11" + "00000001" + "04");
    send("00000005" + "14" + "00000001");
    runEngine();
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).stream()).isEqualTo(1);
    assertThat(out.get(0).status()).isEqualTo(Status.CANCELLED);
    assertThat(ch.isOpen()).isTrue();
    assertThat(engine.blobs().list()).isEmpty();
  }

  @Test
  void endThenCancelBeforeTheEngineRanIsCancelled() throws Exception {
    // REQUEST, stream 3, opcode 0101 blob.put, args {}
    send("00000009" + "10" + "00000003" + "0101" + "7b7d");
    // DATA 01, END, CANCEL, all before the engine has run anything
    send("00000006" + "11" + "00000003" + "01");
    send("00000005" + "12" + "00000003");
    send("00000005" + "14" + "00000003");
    runEngine();
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).status()).isEqualTo(Status.CANCELLED);
    assertThat(engine.blobs().list()).isEmpty();
    assertThat(ch.isOpen()).isTrue();
  }

  /** What the client sends or lets happen next on the stream. */
  private enum Step {
    DATA,
    END,
    CANCEL,
    ENGINE
  }

  /**
   * Random orders of DATA, END and CANCEL with the engine run at random points, against what the
   * protocol says: DATA or END after the client's own END (without a CANCEL between, and before the
   * answer) breaks the protocol; anything after a CANCEL or the answer is ignored; a CANCEL the
   * engine reaches before it answered makes the answer CANCELLED.
   */
  @Test
  void everyOrderOfCancelEndAndDataGetsExactlyOneResponse() throws Exception {
    long seed = Long.getLong("strata.test.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < 300; round++) {
      List<Step> steps = new ArrayList<>();
      int n = 1 + rnd.nextInt(8);
      for (int i = 0; i < n; i++) {
        steps.add(Step.values()[rnd.nextInt(Step.values().length)]);
      }
      String why = "seed " + seed + ", round " + round + ", steps " + steps;
      int stream = 1 + round;
      send("00000009" + "10" + String.format("%08x", stream) + "0101" + "7b7d");
      runEngine();
      boolean ended = false;
      boolean cancelled = false;
      Status answer = null;
      boolean fatal = false;
      for (Step step : steps) {
        switch (step) {
          case DATA -> {
            assertThat(ch.isOpen()).as(why).isTrue();
            send("00000006" + "11" + String.format("%08x", stream) + "2a");
            if (answer == null && !cancelled && ended) {
              fatal = true;
            }
          }
          case END -> {
            assertThat(ch.isOpen()).as(why).isTrue();
            send("00000005" + "12" + String.format("%08x", stream));
            if (answer == null && !cancelled) {
              fatal |= ended;
              ended = true;
            }
          }
          case CANCEL -> {
            assertThat(ch.isOpen()).as(why).isTrue();
            send("00000005" + "14" + String.format("%08x", stream));
            cancelled |= answer == null;
          }
          case ENGINE -> {
            runEngine();
            if (answer == null && cancelled) {
              answer = Status.CANCELLED;
            } else if (answer == null && ended) {
              answer = Status.OK;
            }
          }
        }
        if (fatal) {
          break;
        }
      }
      if (!fatal && answer == null && !ended && !cancelled) {
        // nothing ended the upload: the client's CANCEL does
        assertThat(ch.isOpen()).as(why).isTrue();
        send("00000005" + "14" + String.format("%08x", stream));
        cancelled = true;
      }
      runEngine();
      if (!fatal && answer == null) {
        answer = cancelled ? Status.CANCELLED : Status.OK;
      }
      List<SentFrames.Sent> out = sent.drain(ch);
      if (fatal) {
        assertThat(out).as(why).isNotEmpty();
        assertThat(out.get(0).stream()).as(why).isZero();
        assertThat(out.get(0).status()).as(why).isEqualTo(Status.PROTOCOL_ERROR);
        assertThat(ch.isOpen()).as(why).isFalse();
        ch.finishAndReleaseAll();
        ch = channel();
        continue;
      }
      assertThat(out).as(why).hasSize(1);
      assertThat(out.get(0).stream()).as(why).isEqualTo(stream);
      assertThat(out.get(0).status()).as(why).isEqualTo(answer);
      assertThat(ch.isOpen()).as(why).isTrue();
    }
  }
}

package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.FrameBudget;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.metrics.ServerMetrics;
import io.strata.server.op.Operations;
import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher over a real engine, with engine calls run inline (a direct executor) so that the
 * embedded channel sees every answer deterministically.
 */
@Timeout(60)
class RequestHandlerTest {
  @TempDir Path dir;

  private final SentFrames sent = new SentFrames();
  private Engine engine;
  private EmbeddedChannel ch;

  @BeforeEach
  void open() throws Exception {
    engine = Engine.open(dir, null, ChunkStore.Options.defaults());
    ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
            new FrameEncoder(),
            new RequestHandler(
                Operations.over(engine, r -> {}, List.of()),
                Runnable::run,
                new ServerState(new ServerMetrics()),
                Limits.defaults(),
                new InboundBudget(Limits.defaults().uploadBudget())));
  }

  @AfterEach
  void close() throws Exception {
    ch.finishAndReleaseAll();
    engine.close();
  }

  private void request(int stream, Opcode op, String args) {
    ch.writeInbound(
        Unpooled.wrappedBuffer(
            FrameHeader.frame(
                FrameType.REQUEST,
                stream,
                new RequestHeader(op.code(), args.getBytes(StandardCharsets.UTF_8)).encode())));
  }

  private void frame(FrameType type, int stream, byte[] payload) {
    ch.writeInbound(Unpooled.wrappedBuffer(FrameHeader.frame(type, stream, payload)));
  }

  @Test
  void infoIsAnsweredOnItsStream() throws Exception {
    // REQUEST, stream 5, opcode 0001 info, args {}
    ch.writeInbound(
        Unpooled.wrappedBuffer(
            HexFormat.of().parseHex("00000009" + "10" + "00000005" + "0001" + "7b7d")));
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).stream()).isEqualTo(5);
    assertThat(out.get(0).status()).isEqualTo(Status.OK);
    assertThat(out.get(0).body()).contains("\"driver\":\"btrfs\"");
  }

  @Test
  void anUploadThenADownloadOfTheSameBytes() throws Exception {
    byte[] content = "hello, strata".repeat(1000).getBytes(StandardCharsets.UTF_8);
    request(1, Opcode.BLOB_PUT, "{\"size\":" + content.length + "}");
    frame(FrameType.DATA, 1, java.util.Arrays.copyOfRange(content, 0, 5000));
    frame(FrameType.DATA, 1, java.util.Arrays.copyOfRange(content, 5000, content.length));
    frame(FrameType.END, 1, new byte[0]);
    SentFrames.Sent put = sent.drain(ch).get(0);
    assertThat(put.status()).isEqualTo(Status.OK);
    String digest =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    assertThat(put.body()).contains(digest).contains("\"size\":" + content.length);

    request(2, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\",\"offset\":6}");
    List<SentFrames.Sent> out = sent.drain(ch);
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    for (SentFrames.Sent s : out.subList(0, out.size() - 1)) {
      assertThat(s.type()).isEqualTo(FrameType.DATA);
      got.writeBytes(s.payload());
    }
    assertThat(got.toByteArray())
        .isEqualTo(java.util.Arrays.copyOfRange(content, 6, content.length));
    assertThat(out.get(out.size() - 1).status()).isEqualTo(Status.OK);
  }

  @Test
  void aLargeDownloadArrivesInFullDataFramesInOrder() throws Exception {
    // Several of the pump's multi-frame writes, and a last frame that is not full.
    byte[] content = new byte[(21 << 16) + 777];
    new java.util.Random(3).nextBytes(content);
    request(1, Opcode.BLOB_PUT, "{}");
    for (int at = 0; at < content.length; at += 1 << 16) {
      frame(
          FrameType.DATA,
          1,
          java.util.Arrays.copyOfRange(content, at, Math.min(content.length, at + (1 << 16))));
    }
    frame(FrameType.END, 1, new byte[0]);
    assertThat(sent.drain(ch).get(0).status()).isEqualTo(Status.OK);
    String digest =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));

    request(7, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\",\"offset\":0}");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(23);
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    for (SentFrames.Sent s : out.subList(0, 22)) {
      assertThat(s.type()).isEqualTo(FrameType.DATA);
      assertThat(s.stream()).isEqualTo(7);
      got.writeBytes(s.payload());
    }
    assertThat(out.subList(0, 21)).allMatch(s -> s.payload().length == Wire.DATA_CHUNK);
    assertThat(got.toByteArray()).isEqualTo(content);
    assertThat(out.get(22).stream()).isEqualTo(7);
    assertThat(out.get(22).status()).isEqualTo(Status.OK);
    assertThat(out.get(22).body()).contains("\"bytes\":" + content.length);
  }

  @Test
  void blobGetWithoutTheOptionalOffsetSendsTheWholeObject() throws Exception {
    byte[] content = "left out: offset".getBytes(StandardCharsets.UTF_8);
    request(1, Opcode.BLOB_PUT, "{}");
    frame(FrameType.DATA, 1, content);
    frame(FrameType.END, 1, new byte[0]);
    assertThat(sent.drain(ch).get(0).status()).isEqualTo(Status.OK);
    String digest =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    request(2, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\"}");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(2);
    assertThat(out.get(0).payload()).isEqualTo(content);
    assertThat(out.get(1).status()).as(out.get(1).body()).isEqualTo(Status.OK);
  }

  @Test
  void anArgumentOfTheWrongTypeIsNamedInOneSentence() throws Exception {
    request(1, Opcode.BLOB_GET, "{\"digest\":\"sha256:00\",\"offset\":\"abc\"}");
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(r.body())
        .isEqualTo("{\"message\":\"blob.get: argument offset is \\\"abc\\\", not an integer\"}");
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void aShortUploadIsRefusedAndStoresNothing() throws Exception {
    request(1, Opcode.BLOB_PUT, "{\"size\":10}");
    frame(FrameType.DATA, 1, new byte[4]);
    frame(FrameType.END, 1, new byte[0]);
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(r.body()).contains("after 4 of 10 bytes");
    assertThat(engine.blobs().list()).isEmpty();
  }

  @Test
  void errorsMapToStatusesAndKeepTheConnection() throws Exception {
    String missing = "sha256:" + "ab".repeat(32);
    request(1, Opcode.BLOB_STAT, "{\"digest\":\"" + missing + "\"}");
    request(2, Opcode.BLOB_STAT, "{\"digest\":\"sha256:xyz\"}");
    request(3, Opcode.BLOB_STAT, "not json");
    request(4, Opcode.BLOB_STAT, "{}");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(4);
    assertThat(out.get(0).status()).isEqualTo(Status.NOT_FOUND);
    assertThat(out.get(0).body()).contains("blob " + missing + " not found");
    assertThat(out.get(1).status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(out.get(2).status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(out.get(3).body()).contains("the argument digest is missing");
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void anUnservedOpcodeIsUnimplemented() throws Exception {
    // REQUEST on stream 2 with opcode 7f7f, which no version defines, and no arguments
    frame(FrameType.REQUEST, 2, new byte[] {0x7f, 0x7f});
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out.get(0).stream()).isEqualTo(2);
    assertThat(out.get(0).status()).isEqualTo(Status.UNIMPLEMENTED);
    assertThat(out.get(0).body()).contains("0x7f7f");
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void framesForUnknownOrAnsweredStreamsAreDropped() throws Exception {
    // DATA the client sent before it saw an early answer must not break the connection
    frame(FrameType.DATA, 9, new byte[3]);
    frame(FrameType.END, 9, new byte[0]);
    frame(FrameType.CANCEL, 9, new byte[0]);
    request(4, Opcode.BLOB_PUT, "{\"size\":1}");
    frame(FrameType.DATA, 4, new byte[3]); // too long: answered INVALID_ARGUMENT at once
    frame(FrameType.DATA, 4, new byte[3]); // dropped
    frame(FrameType.END, 4, new byte[0]); // dropped
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void dataOnAStreamThatTakesNoneClosesTheConnection() throws Exception {
    request(1, Opcode.BLOB_PUT, "{}");
    // stream 1 is an upload in flight; a HELLO now breaks the frame order
    frame(FrameType.HELLO, 0, new byte[8]);
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.PROTOCOL_ERROR);
    assertThat(r.body()).contains("HELLO frame after the handshake");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void reusingAStreamInFlightClosesTheConnection() throws Exception {
    request(1, Opcode.BLOB_PUT, "{}");
    request(1, Opcode.INFO, "{}");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out.get(0).stream()).isZero();
    assertThat(out.get(0).status()).isEqualTo(Status.PROTOCOL_ERROR);
    assertThat(out.get(0).body()).contains("stream 1, which is still in flight");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void cancelAbortsAnUpload() throws Exception {
    request(1, Opcode.BLOB_PUT, "{}");
    frame(FrameType.DATA, 1, new byte[100]);
    frame(FrameType.CANCEL, 1, new byte[0]);
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.CANCELLED);
    assertThat(engine.blobs().list()).isEmpty();
  }

  @Test
  void tooManyStreamsCloseTheConnection() throws Exception {
    for (int i = 1; i <= Limits.defaults().maxStreams() + 1; i++) {
      request(i, Opcode.BLOB_PUT, "{}");
    }
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out.get(out.size() - 1).status()).isEqualTo(Status.LIMIT_EXCEEDED);
    assertThat(ch.isOpen()).isFalse();
  }
}

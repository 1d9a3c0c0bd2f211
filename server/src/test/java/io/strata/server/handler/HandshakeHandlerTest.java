package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.server.codec.FrameBudget;
import io.strata.server.codec.FrameDecoder;
import io.strata.server.codec.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandshakeHandlerTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] TOKEN = "s3cret".getBytes(StandardCharsets.UTF_8);

  private final SentFrames sent = new SentFrames();
  private EmbeddedChannel ch;

  private EmbeddedChannel channel(byte[] token) {
    ch =
        new EmbeddedChannel(
            new FrameDecoder(1 << 20, new FrameBudget(1 << 20)),
            new FrameEncoder(),
            new HandshakeHandler(token, Limits.defaults(), "stratad test"));
    return ch;
  }

  @AfterEach
  void release() {
    ch.finishAndReleaseAll();
  }

  private void send(String hex) {
    ch.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(hex)));
  }

  @Test
  void helloIsAnsweredWithWelcomeAndTheHandlerLeaves() throws Exception {
    channel(null);
    // length 13, type 01 HELLO, stream 0, magic "STRA", versions 1..1
    send("0000000d" + "01" + "00000000" + "53545241" + "0001" + "0001");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).type()).isEqualTo(FrameType.WELCOME);
    Welcome w = Welcome.decode(ByteBuffer.wrap(out.get(0).payload()));
    assertThat(w.tokenRequired()).isFalse();
    assertThat(w.version()).isEqualTo(1);
    assertThat(ch.pipeline().get(HandshakeHandler.class)).isNull();
  }

  @Test
  void aWrongMagicClosesTheConnection() throws Exception {
    channel(null);
    // magic "HTTP" instead of "STRA"
    send("0000000d" + "01" + "00000000" + "48545450" + "0001" + "0001");
    List<SentFrames.Sent> out = sent.drain(ch);
    assertThat(out.get(0).type()).isEqualTo(FrameType.RESPONSE);
    assertThat(out.get(0).status()).isEqualTo(Status.PROTOCOL_ERROR);
    assertThat(out.get(0).body()).contains("magic 0x48545450");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void anUnsupportedVersionIsRefused() throws Exception {
    channel(null);
    // versions 7..9 only
    send("0000000d" + "01" + "00000000" + "53545241" + "0007" + "0009");
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.UNSUPPORTED_VERSION);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aRequestBeforeHelloClosesTheConnection() throws Exception {
    channel(null);
    // REQUEST on stream 1, opcode 0001 info, args {}
    send("00000009" + "10" + "00000001" + "0001" + "7b7d");
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.stream()).isZero();
    assertThat(r.status()).isEqualTo(Status.PROTOCOL_ERROR);
    assertThat(r.body()).contains("expected HELLO on stream 0, got REQUEST on stream 1");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void theRightTokenIsAccepted() throws Exception {
    channel(TOKEN);
    ch.writeInbound(
        Unpooled.wrappedBuffer(FrameHeader.frame(FrameType.HELLO, 0, Hello.current().encode())));
    Welcome w = Welcome.decode(ByteBuffer.wrap(sent.drain(ch).get(0).payload()));
    assertThat(w.tokenRequired()).isTrue();
    // length 11, type 03 AUTH, stream 0, "s3cret"
    send("0000000b" + "03" + "00000000" + HEX.formatHex(TOKEN));
    assertThat(sent.drain(ch).get(0).type()).isEqualTo(FrameType.AUTH_OK);
    assertThat(ch.pipeline().get(HandshakeHandler.class)).isNull();
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void aWrongTokenClosesTheConnection() throws Exception {
    channel(TOKEN);
    ch.writeInbound(
        Unpooled.wrappedBuffer(FrameHeader.frame(FrameType.HELLO, 0, Hello.current().encode())));
    sent.drain(ch);
    ch.writeInbound(Unpooled.wrappedBuffer(FrameHeader.frame(FrameType.AUTH, 0, new byte[] {1})));
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.UNAUTHENTICATED);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void skippingAuthClosesTheConnection() throws Exception {
    channel(TOKEN);
    ch.writeInbound(
        Unpooled.wrappedBuffer(FrameHeader.frame(FrameType.HELLO, 0, Hello.current().encode())));
    sent.drain(ch);
    ch.writeInbound(
        Unpooled.wrappedBuffer(
            FrameHeader.frame(FrameType.REQUEST, 1, new byte[] {0, 1, '{', '}'})));
    SentFrames.Sent r = sent.drain(ch).get(0);
    assertThat(r.status()).isEqualTo(Status.PROTOCOL_ERROR);
    assertThat(ch.isOpen()).isFalse();
  }
}

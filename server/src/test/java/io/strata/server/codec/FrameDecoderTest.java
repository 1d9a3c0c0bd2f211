package io.strata.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameType;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final HexFormat HEX = HexFormat.of();
  private final EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(64));

  @AfterEach
  void release() {
    ch.finishAndReleaseAll();
  }

  private static ByteBuf bytes(String hex) {
    return Unpooled.wrappedBuffer(HEX.parseHex(hex));
  }

  @Test
  void decodesAFrame() {
    // length 8 (5 header + 3 payload), type 11 DATA, stream 7, payload 010203
    ch.writeInbound(bytes("00000008" + "11" + "00000007" + "010203"));
    Frame f = ch.readInbound();
    assertThat(f.type()).isEqualTo(FrameType.DATA);
    assertThat(f.stream()).isEqualTo(7);
    assertThat(f.payloadBytes()).containsExactly(1, 2, 3);
    f.release();
  }

  @Test
  void waitsForFramesSplitAcrossReads() {
    // the same frame in three pieces: half the length, the rest of the header, the payload
    ch.writeInbound(bytes("0000"));
    ch.writeInbound(bytes("0008" + "11" + "000000"));
    Object none = ch.readInbound();
    assertThat(none).isNull();
    ch.writeInbound(bytes("07" + "010203"));
    Frame f = ch.readInbound();
    assertThat(f.payloadBytes()).containsExactly(1, 2, 3);
    f.release();
  }

  @Test
  void decodesSeveralFramesFromOneRead() {
    // END on stream 1 (empty payload), then CANCEL on stream 2
    ch.writeInbound(bytes("00000005" + "12" + "00000001" + "00000005" + "14" + "00000002"));
    Frame end = ch.readInbound();
    Frame cancel = ch.readInbound();
    assertThat(end.type()).isEqualTo(FrameType.END);
    assertThat(cancel.type()).isEqualTo(FrameType.CANCEL);
    assertThat(cancel.stream()).isEqualTo(2);
    end.release();
    cancel.release();
  }

  @Test
  void refusesAHugeLengthBeforeBufferingIt() {
    // a 2 GiB length prefix: refused from the four bytes alone
    assertThatThrownBy(() -> ch.writeInbound(bytes("7fffffff")))
        .isInstanceOf(CorruptFrameException.class)
        .hasMessage("frame length 2147483647 exceeds the maximum 64");
  }

  @Test
  void refusesALengthBelowTheHeader() {
    // length 4 cannot hold type and stream
    assertThatThrownBy(() -> ch.writeInbound(bytes("00000004" + "11000000")))
        .isInstanceOf(CorruptFrameException.class)
        .hasMessage("frame length 4 is below the header size 5");
  }

  @Test
  void refusesUnknownTypesAndServerTypes() {
    // type ee does not exist
    assertThatThrownBy(() -> ch.writeInbound(bytes("00000005" + "ee" + "00000001")))
        .isInstanceOf(CorruptFrameException.class)
        .hasMessage("frame type 0xee is unknown");
    EmbeddedChannel other = new EmbeddedChannel(new FrameDecoder(64));
    // type 13 RESPONSE is sent by servers only
    assertThatThrownBy(() -> other.writeInbound(bytes("00000007" + "13" + "00000001" + "0000")))
        .isInstanceOf(CorruptFrameException.class)
        .hasMessage("frame type RESPONSE may only be sent by a server");
    other.finishAndReleaseAll();
  }

  @Test
  void discardsEverythingAfterAnError() {
    assertThatThrownBy(() -> ch.writeInbound(bytes("ffffffff")))
        .isInstanceOf(CorruptFrameException.class);
    // a valid frame after the garbage is not decoded: the framing is lost for good
    ch.writeInbound(bytes("00000005" + "12" + "00000001"));
    Object none = ch.readInbound();
    assertThat(none).isNull();
  }
}

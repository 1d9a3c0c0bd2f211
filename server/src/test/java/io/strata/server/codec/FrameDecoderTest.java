package io.strata.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final HexFormat HEX = HexFormat.of();
  private final EmbeddedChannel ch =
      new EmbeddedChannel(new FrameDecoder(64, new FrameBudget(1 << 20)));

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
    EmbeddedChannel other = new EmbeddedChannel(new FrameDecoder(64, new FrameBudget(1 << 20)));
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

  /** The first {@code n} bytes of a DATA frame on stream 3 whose payload is {@code payload}. */
  private static byte[] data(int payload) {
    byte[] p = new byte[payload];
    Arrays.fill(p, (byte) 'x');
    return FrameHeader.frame(FrameType.DATA, 3, p);
  }

  @Test
  void aLongFrameTakesItsLengthFromTheBudgetWhileItArrivesAndGivesItBack() {
    FrameBudget budget = new FrameBudget(3 << 20);
    EmbeddedChannel c = new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, budget));
    byte[] frame = data(Wire.MAX_PAYLOAD);
    c.writeInbound(Unpooled.wrappedBuffer(frame, 0, 100_000));
    assertThat(budget.used()).isEqualTo(Wire.MAX_FRAME_LENGTH);
    c.writeInbound(Unpooled.wrappedBuffer(frame, 100_000, frame.length - 100_000));
    Frame f = c.readInbound();
    assertThat(f.content().readableBytes()).isEqualTo(Wire.MAX_PAYLOAD);
    assertThat(budget.used()).isZero();
    f.release();
    c.finishAndReleaseAll();
  }

  @Test
  void aLongFrameThatDoesNotFitTheBudgetIsRefusedAndTheShortOnesStillPass() {
    // room for one long frame: a second connection's must wait for it, the short frames never do
    FrameBudget budget = new FrameBudget(Wire.MAX_FRAME_LENGTH);
    EmbeddedChannel first = new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, budget));
    EmbeddedChannel second = new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, budget));
    EmbeddedChannel third = new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, budget));
    byte[] big = data(Wire.MAX_PAYLOAD);
    first.writeInbound(Unpooled.wrappedBuffer(big, 0, 1000));
    assertThatThrownBy(() -> second.writeInbound(Unpooled.wrappedBuffer(big, 0, 1000)))
        .isInstanceOf(FrameBudgetException.class)
        .hasMessage(
            "a frame of 1,048,581 bytes cannot be received now: frames over 65,543 bytes arriving"
                + " from all peers hold 1,048,581 of the 1,048,581 bytes the server allows them;"
                + " retry later, or send frames of at most 65,543 bytes");
    // the largest frame a strata client sends, in two reads: not counted
    byte[] own = data(FrameDecoder.OWN_FRAME - Wire.HEADER);
    third.writeInbound(Unpooled.wrappedBuffer(own, 0, 30_000));
    third.writeInbound(Unpooled.wrappedBuffer(own, 30_000, own.length - 30_000));
    Frame f = third.readInbound();
    assertThat(f.content().readableBytes()).isEqualTo(FrameDecoder.OWN_FRAME - Wire.HEADER);
    f.release();
    // a connection that closes with its frame unfinished gives its part back
    first.close();
    assertThat(budget.used()).isZero();
    first.finishAndReleaseAll();
    second.finishAndReleaseAll();
    third.finishAndReleaseAll();
  }

  @Test
  void aFrameTrickledAByteAReadHoldsItsBytesNotTheReadsBuffers() {
    EmbeddedChannel c =
        new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, new FrameBudget(0)));
    byte[] frame = data(2000);
    List<ByteBuf> reads = new ArrayList<>();
    for (int i = 0; i < frame.length; i++) {
      // what a read of one byte arrives in: a buffer sized for more
      ByteBuf read = Unpooled.directBuffer(FrameDecoder.READ_BUFFER).writeByte(frame[i]);
      reads.add(read);
      c.writeInbound(read);
    }
    Frame f = c.readInbound();
    assertThat(f.payloadBytes()).isEqualTo(Arrays.copyOfRange(frame, 9, frame.length));
    // Copied once it was clear the reads were small: none of their buffers is held, but for
    // the one read kept before that. Kept as slices, all 2,009 were.
    assertThat(reads.stream().filter(r -> r.refCnt() > 0).count()).isLessThanOrEqualTo(1);
    f.release();
    assertThat(reads.stream().filter(r -> r.refCnt() > 0)).isEmpty();
    c.finishAndReleaseAll();
  }

  @Test
  void aFrameOfFullReadsIsPassedOnWithoutACopy() {
    EmbeddedChannel c =
        new EmbeddedChannel(new FrameDecoder(Wire.MAX_FRAME_LENGTH, new FrameBudget(0)));
    byte[] frame = data(Wire.DATA_CHUNK);
    ByteBuf first = Unpooled.directBuffer(FrameDecoder.READ_BUFFER);
    first.writeBytes(frame, 0, FrameDecoder.READ_BUFFER);
    ByteBuf second = Unpooled.directBuffer(FrameDecoder.READ_BUFFER);
    second.writeBytes(frame, FrameDecoder.READ_BUFFER, frame.length - FrameDecoder.READ_BUFFER);
    c.writeInbound(first);
    c.writeInbound(second);
    Frame f = c.readInbound();
    assertThat(f.content().readableBytes()).isEqualTo(Wire.DATA_CHUNK);
    // the frame holds both reads' buffers: its bytes were not copied
    assertThat(first.refCnt()).isPositive();
    assertThat(second.refCnt()).isPositive();
    f.release();
    assertThat(first.refCnt()).isZero();
    assertThat(second.refCnt()).isZero();
    c.finishAndReleaseAll();
  }
}

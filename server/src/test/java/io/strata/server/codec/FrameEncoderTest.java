package io.strata.server.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameType;
import io.strata.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameEncoderTest {
  private final EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());

  @AfterEach
  void release() {
    ch.finishAndReleaseAll();
  }

  private String written() {
    StringBuilder hex = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      hex.append(ByteBufUtil.hexDump(b));
      b.release();
    }
    return hex.toString();
  }

  @Test
  void writesHeaderThenPayload() {
    ch.writeOutbound(Frame.data(3, Unpooled.wrappedBuffer(new byte[] {9, 8})));
    // length 7 = 5 + 2, type 11 DATA, stream 3, payload 0908
    assertThat(written()).isEqualTo("00000007" + "11" + "00000003" + "0908");
  }

  @Test
  void writesAnErrorResponse() {
    ch.writeOutbound(Frame.error(5, Status.NOT_FOUND, "x"));
    // length 22, type 13 RESPONSE, stream 5, status 0002 NOT_FOUND, {"message":"x"}
    assertThat(written())
        .isEqualTo(
            "00000016"
                + "13"
                + "00000005"
                + "0002"
                + ByteBufUtil.hexDump("{\"message\":\"x\"}".getBytes()));
  }

  @Test
  void roundTripsThroughTheDecoder() {
    ch.writeOutbound(Frame.of(FrameType.END, 9, new byte[0]));
    EmbeddedChannel in = new EmbeddedChannel(new FrameDecoder(64, new FrameBudget(1 << 20)));
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      in.writeInbound(b);
    }
    Frame f = in.readInbound();
    assertThat(f.type()).isEqualTo(FrameType.END);
    assertThat(f.stream()).isEqualTo(9);
    f.release();
    in.finishAndReleaseAll();
  }
}

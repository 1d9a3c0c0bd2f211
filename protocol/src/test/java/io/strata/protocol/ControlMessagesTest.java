package io.strata.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ControlMessagesTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void helloHasMagicAndVersionRange() throws Exception {
    byte[] b = Hello.current().encode();
    // 53545241 = "STRA", 0001 = min version 1, 0001 = max version 1, 0d0a0d0a = "\r\n\r\n"
    assertThat(HEX.formatHex(b)).isEqualTo("53545241" + "0001" + "0001" + "0d0a0d0a");
    assertThat(Hello.decode(ByteBuffer.wrap(b))).isEqualTo(new Hello(1, 1));
  }

  @Test
  void helloWithoutPaddingIsStillAccepted() throws Exception {
    // the HELLO of clients before the padding: magic and range only
    assertThat(Hello.decode(ByteBuffer.wrap(HEX.parseHex("53545241" + "0001" + "0001"))))
        .isEqualTo(new Hello(1, 1));
  }

  @Test
  void helloRefusesBadMagicAndLength() throws Exception {
    assertThatThrownBy(() -> Hello.decode(ByteBuffer.wrap(HEX.parseHex("4854545000010001"))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("magic 0x48545450");
    assertThatThrownBy(() -> Hello.decode(ByteBuffer.wrap(HEX.parseHex("53545241"))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("4 bytes");
    assertThatThrownBy(() -> Hello.decode(ByteBuffer.wrap(new byte[65])))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("65 bytes");
  }

  @Test
  void welcomeRoundTrips() throws Exception {
    Welcome w = new Welcome(1, true, Wire.MAX_FRAME_LENGTH, 16, "stratad 0.1.0");
    byte[] b = w.encode();
    // magic, version 0001, flags 01 (token required), max frame 00100005, 16 streams, the name
    assertThat(HEX.formatHex(b, 0, 13)).isEqualTo("53545241" + "0001" + "01" + "00100005" + "0010");
    assertThat(new String(b, 13, b.length - 13, StandardCharsets.UTF_8)).isEqualTo("stratad 0.1.0");
    assertThat(Welcome.decode(ByteBuffer.wrap(b))).isEqualTo(w);
  }

  @Test
  void requestAndResponseCarryJson() throws Exception {
    RequestHeader r = new RequestHeader(Opcode.BLOB_STAT.code(), "{}".getBytes());
    // 0103 = blob.stat, then "{}"
    assertThat(HEX.formatHex(r.encode())).isEqualTo("0103" + "7b7d");
    assertThat(RequestHeader.decode(ByteBuffer.wrap(r.encode()))).isEqualTo(r);

    ResponseHeader s = new ResponseHeader(Status.NOT_FOUND, "{}".getBytes());
    // 0002 = NOT_FOUND, then "{}"
    assertThat(HEX.formatHex(s.encode())).isEqualTo("0002" + "7b7d");
    assertThat(ResponseHeader.decode(ByteBuffer.wrap(s.encode()))).isEqualTo(s);
  }

  @Test
  void requestRefusesOversizedArguments() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(2 + Wire.MAX_ARGS + 1).putShort((short) 1);
    b.flip().limit(b.capacity());
    assertThatThrownBy(() -> RequestHeader.decode(b))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("exceed the maximum");
  }

  @Test
  void frameHeaderChecksLengthAndType() throws Exception {
    byte[] f = FrameHeader.frame(FrameType.DATA, 7, new byte[] {1, 2, 3});
    // length 8 = 5 header bytes + 3 payload bytes, type 11 = DATA, stream 7, payload 010203
    assertThat(HEX.formatHex(f)).isEqualTo("00000008" + "11" + "00000007" + "010203");
    assertThat(FrameHeader.read(ByteBuffer.wrap(f), Wire.MAX_FRAME_LENGTH))
        .isEqualTo(new FrameHeader(FrameType.DATA, 7, 3));

    assertThatThrownBy(
            () -> FrameHeader.read(ByteBuffer.wrap(HEX.parseHex("7fffffff1100000001")), 1000))
        .hasMessage("frame length 2147483647 exceeds the maximum 1000");
    assertThatThrownBy(
            () -> FrameHeader.read(ByteBuffer.wrap(HEX.parseHex("000000041100000001")), 1000))
        .hasMessage("frame length 4 is below the header size 5");
    assertThatThrownBy(
            () -> FrameHeader.read(ByteBuffer.wrap(HEX.parseHex("00000005ee00000001")), 1000))
        .hasMessage("frame type 0xee is unknown");
  }

  @Test
  void frameTypesAndOpcodesAreUnique() throws Exception {
    for (FrameType t : FrameType.values()) {
      assertThat(FrameType.of(t.code())).isSameAs(t);
    }
    for (Opcode o : Opcode.values()) {
      assertThat(Opcode.of(o.code())).isSameAs(o);
    }
    for (Status s : Status.values()) {
      assertThat(Status.of(s.code())).isSameAs(s);
    }
    assertThat(Status.of(999)).isEqualTo(Status.INTERNAL);
    assertThat(Opcode.describe(0x7777)).isEqualTo("0x7777");
  }
}

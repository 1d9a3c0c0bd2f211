package io.strata.server.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads what a pipeline under test wrote back into frames, as a client would see them. */
final class SentFrames {
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  /** One frame the server sent. */
  record Sent(FrameType type, int stream, byte[] payload) {
    Status status() throws Exception {
      return ResponseHeader.decode(ByteBuffer.wrap(payload)).status();
    }

    String body() throws Exception {
      return new String(
          ResponseHeader.decode(ByteBuffer.wrap(payload)).body(), StandardCharsets.UTF_8);
    }
  }

  /** Every complete frame written since the last call. */
  List<Sent> drain(EmbeddedChannel ch) throws Exception {
    ch.runPendingTasks();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      byte[] a = new byte[b.readableBytes()];
      b.readBytes(a);
      b.release();
      pending.writeBytes(a);
    }
    List<Sent> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.wrap(pending.toByteArray());
    while (buf.remaining() >= FrameHeader.SIZE) {
      int start = buf.position();
      int len = buf.getInt(start);
      if (buf.remaining() < Wire.LENGTH_FIELD + len) {
        break;
      }
      FrameHeader h = FrameHeader.read(buf, Wire.MAX_FRAME_LENGTH);
      byte[] payload = new byte[h.payloadLength()];
      buf.get(payload);
      out.add(new Sent(h.type(), h.stream(), payload));
    }
    byte[] rest = new byte[buf.remaining()];
    buf.get(rest);
    pending.reset();
    pending.writeBytes(rest);
    return out;
  }
}

package io.strata.server.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Wire;
import java.util.List;

/**
 * Writes a {@link Frame} as its nine-byte header followed by its payload, without copying it. A
 * {@link ByteBuf} (frames a download encoded in place) passes through as it is.
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
  public FrameEncoder() {
    super(Frame.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
    int len = frame.content().readableBytes();
    if (len > Wire.MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          frame + ": payload exceeds the maximum " + Wire.MAX_PAYLOAD + " bytes");
    }
    ByteBuf header = ctx.alloc().buffer(FrameHeader.SIZE);
    setHeader(header.writerIndex(FrameHeader.SIZE), 0, frame.type(), frame.stream(), len);
    out.add(header);
    out.add(frame.content().retain());
  }

  /**
   * Writes the header of a frame of {@code payloadLength} bytes at {@code index} of {@code buf}
   * (for frames encoded in place, their payload following at {@code index + FrameHeader.SIZE}).
   */
  public static void setHeader(
      ByteBuf buf, int index, FrameType type, int stream, int payloadLength) {
    buf.setInt(index, Wire.HEADER + payloadLength)
        .setByte(index + Wire.LENGTH_FIELD, type.code())
        .setInt(index + Wire.LENGTH_FIELD + 1, stream);
  }
}

package io.strata.server.codec;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.Wire;
import java.util.List;

/** Writes a {@link Frame} as its nine-byte header followed by its payload, without copying it. */
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
    out.add(
        ctx.alloc()
            .buffer(FrameHeader.SIZE)
            .writeInt(Wire.HEADER + len)
            .writeByte(frame.type().code())
            .writeInt(frame.stream()));
    out.add(frame.content().retain());
  }
}

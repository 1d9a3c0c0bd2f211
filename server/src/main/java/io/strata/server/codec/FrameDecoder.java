package io.strata.server.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.strata.protocol.FrameType;
import io.strata.protocol.Wire;
import java.util.List;

/**
 * Cuts the inbound byte stream into {@link Frame}s. A state machine: it reads the length prefix,
 * checks it against the maximum before buffering anything more (so a 2 GiB prefix costs nothing),
 * then waits for the whole frame. A frame that is too short, too long, of an unknown type, or of a
 * type only servers send raises a {@link CorruptFrameException}; after that every further byte is
 * discarded, since the stream has lost its framing for good.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private enum State {
    LENGTH,
    BODY,
    BROKEN
  }

  private final int maxFrameLength;
  private State state = State.LENGTH;
  private int length;

  /** {@code maxFrameLength}: the largest length prefix accepted. */
  public FrameDecoder(int maxFrameLength) {
    this.maxFrameLength = maxFrameLength;
    // A frame that spans reads is kept as the reads' own buffers: the default cumulator copied
    // them into a larger one, above the pooled sizes for 64 KiB DATA frames, so every such frame
    // cost a fresh direct buffer zeroed by the JDK (2% of an import's server CPU).
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case LENGTH -> {
        if (in.readableBytes() < Wire.LENGTH_FIELD) {
          return;
        }
        long len = in.readUnsignedInt();
        if (len < Wire.HEADER) {
          throw broken("frame length " + len + " is below the header size " + Wire.HEADER);
        }
        if (len > maxFrameLength) {
          throw broken("frame length " + len + " exceeds the maximum " + maxFrameLength);
        }
        length = (int) len;
        state = State.BODY;
        body(in, out);
      }
      case BODY -> body(in, out);
      case BROKEN -> in.skipBytes(in.readableBytes());
    }
  }

  private void body(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < length) {
      return;
    }
    int code = in.readUnsignedByte();
    FrameType type = FrameType.of(code);
    if (type == null) {
      throw broken(String.format("frame type 0x%02x is unknown", code));
    }
    if (!type.fromClient()) {
      throw broken("frame type " + type + " may only be sent by a server");
    }
    int stream = in.readInt();
    out.add(new Frame(type, stream, in.readRetainedSlice(length - Wire.HEADER)));
    state = State.LENGTH;
  }

  private CorruptFrameException broken(String message) {
    state = State.BROKEN;
    return new CorruptFrameException(message);
  }
}

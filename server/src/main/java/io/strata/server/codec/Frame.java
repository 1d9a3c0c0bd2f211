package io.strata.server.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.strata.protocol.FrameType;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.message.ErrorBody;
import io.strata.protocol.message.Json;

/** One frame: its type, its stream id and its payload, which the holder owns (release it). */
public final class Frame extends DefaultByteBufHolder {
  private final FrameType type;
  private final int stream;

  public Frame(FrameType type, int stream, ByteBuf payload) {
    super(payload);
    this.type = type;
    this.stream = stream;
  }

  /** A frame whose payload is {@code bytes} (wrapped, not copied). */
  public static Frame of(FrameType type, int stream, byte[] bytes) {
    return new Frame(type, stream, Unpooled.wrappedBuffer(bytes));
  }

  /** A RESPONSE with {@code status} and {@code body} as JSON. */
  public static Frame response(int stream, Status status, Object body) {
    return of(FrameType.RESPONSE, stream, new ResponseHeader(status, Json.write(body)).encode());
  }

  /** A failed RESPONSE whose body carries {@code message}. */
  public static Frame error(int stream, Status status, String message) {
    return response(stream, status, new ErrorBody(message));
  }

  /** A DATA frame over {@code payload}, which it takes over. */
  public static Frame data(int stream, ByteBuf payload) {
    return new Frame(FrameType.DATA, stream, payload);
  }

  public FrameType type() {
    return type;
  }

  public int stream() {
    return stream;
  }

  /** The payload as a fresh array (for the small control payloads). */
  public byte[] payloadBytes() {
    ByteBuf c = content();
    byte[] b = new byte[c.readableBytes()];
    c.getBytes(c.readerIndex(), b);
    return b;
  }

  @Override
  public Frame replace(ByteBuf content) {
    return new Frame(type, stream, content);
  }

  @Override
  public Frame retain() {
    super.retain();
    return this;
  }

  @Override
  public Frame retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public Frame touch() {
    super.touch();
    return this;
  }

  @Override
  public Frame touch(Object hint) {
    super.touch(hint);
    return this;
  }

  @Override
  public String toString() {
    return "Frame[" + type + ", stream " + stream + ", " + content().readableBytes() + " bytes]";
  }
}

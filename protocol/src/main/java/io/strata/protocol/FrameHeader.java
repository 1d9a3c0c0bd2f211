package io.strata.protocol;

import java.nio.ByteBuffer;

/**
 * The nine bytes in front of every payload: {@code length:u32 type:u8 stream:u32}.
 *
 * @param type the frame type
 * @param stream the stream id ({@link Wire#CONNECTION_STREAM} for the connection)
 * @param payloadLength bytes of payload that follow
 */
public record FrameHeader(FrameType type, int stream, int payloadLength) {
  /** Bytes of the header including the length prefix. */
  public static final int SIZE = Wire.LENGTH_FIELD + Wire.HEADER;

  public FrameHeader {
    if (payloadLength < 0 || payloadLength > Wire.MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "frame " + type + ": payload of " + payloadLength + " bytes exceeds " + Wire.MAX_PAYLOAD);
    }
  }

  /** Writes the header at the buffer's position. */
  public void writeTo(ByteBuffer b) {
    b.putInt(Wire.HEADER + payloadLength).put((byte) type.code()).putInt(stream);
  }

  /** A whole frame: header and {@code payload}. */
  public static byte[] frame(FrameType type, int stream, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(SIZE + payload.length);
    new FrameHeader(type, stream, payload.length).writeTo(b);
    return b.put(payload).array();
  }

  /**
   * Reads the header at the buffer's position, checking the length against {@code maxLength} and
   * the type against the known types.
   */
  public static FrameHeader read(ByteBuffer b, int maxLength) throws ProtocolException {
    long length = Integer.toUnsignedLong(b.getInt());
    checkLength(length, maxLength);
    int code = b.get() & 0xFF;
    FrameType type = FrameType.of(code);
    if (type == null) {
      throw new ProtocolException(String.format("frame type 0x%02x is unknown", code));
    }
    return new FrameHeader(type, b.getInt(), (int) length - Wire.HEADER);
  }

  /** Refuses a length prefix below the header size or above {@code maxLength}. */
  public static void checkLength(long length, int maxLength) throws ProtocolException {
    if (length < Wire.HEADER) {
      throw new ProtocolException(
          "frame length " + length + " is below the header size " + Wire.HEADER);
    }
    if (length > maxLength) {
      throw new ProtocolException("frame length " + length + " exceeds the maximum " + maxLength);
    }
  }
}

package io.strata.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The server's answer to HELLO (WELCOME, stream 0): {@code magic:u32 version:u16 flags:u8
 * maxFrameLength:u32 maxStreams:u16 server:utf8...}. Flag bit 0: a token is required (the client
 * must send AUTH next).
 *
 * @param version the version both sides now speak
 * @param tokenRequired whether AUTH must follow before any REQUEST
 * @param maxFrameLength the largest length prefix the server accepts
 * @param maxStreams requests the server takes in flight per connection
 * @param server the server's name and version, for messages
 */
public record Welcome(
    int version, boolean tokenRequired, int maxFrameLength, int maxStreams, String server) {
  private static final int FIXED = 13;
  private static final int TOKEN_REQUIRED = 1;

  /** The payload bytes. */
  public byte[] encode() {
    byte[] name = server.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(FIXED + name.length)
        .putInt(Wire.MAGIC)
        .putShort((short) version)
        .put((byte) (tokenRequired ? TOKEN_REQUIRED : 0))
        .putInt(maxFrameLength)
        .putShort((short) maxStreams)
        .put(name)
        .array();
  }

  /** Reads a WELCOME payload. */
  public static Welcome decode(ByteBuffer b) throws ProtocolException {
    if (b.remaining() < FIXED) {
      throw new ProtocolException(
          "welcome: payload has " + b.remaining() + " bytes, expected at least " + FIXED);
    }
    int magic = b.getInt();
    if (magic != Wire.MAGIC) {
      throw new ProtocolException(
          String.format("welcome: magic 0x%08x, expected 0x%08x (STRA)", magic, Wire.MAGIC));
    }
    int version = Short.toUnsignedInt(b.getShort());
    int flags = b.get() & 0xFF;
    int maxFrame = b.getInt();
    int maxStreams = Short.toUnsignedInt(b.getShort());
    byte[] name = new byte[b.remaining()];
    b.get(name);
    return new Welcome(
        version,
        (flags & TOKEN_REQUIRED) != 0,
        maxFrame,
        maxStreams,
        new String(name, StandardCharsets.UTF_8));
  }
}

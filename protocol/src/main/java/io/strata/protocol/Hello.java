package io.strata.protocol;

import java.nio.ByteBuffer;

/**
 * The client's first frame (HELLO, stream 0): {@code magic:u32 minVersion:u16 maxVersion:u16
 * padding:byte[0..56]}. The server picks the highest version in the range it speaks and ignores the
 * padding. This client pads with {@code "\r\n\r\n"}: an HTTP server reached by mistake (a registry,
 * a metrics port) then sees the end of a request and answers at once, so the client can say it is
 * not a Strata server instead of waiting for an answer that never comes.
 *
 * @param minVersion the oldest version the client speaks
 * @param maxVersion the newest version the client speaks
 */
public record Hello(int minVersion, int maxVersion) {
  /** Payload bytes before the padding: the least a HELLO carries. */
  public static final int LENGTH = 8;

  /** The most payload bytes a HELLO may carry, padding included. */
  public static final int MAX_LENGTH = 64;

  /** What this client sends after the version range. */
  private static final byte[] PADDING = {'\r', '\n', '\r', '\n'};

  public Hello {
    if (minVersion < 0 || maxVersion > 0xFFFF || minVersion > maxVersion) {
      throw new IllegalArgumentException(
          "hello: version range " + minVersion + ".." + maxVersion + " is not a u16 range");
    }
  }

  /** A HELLO for this build's single version. */
  public static Hello current() {
    return new Hello(Wire.VERSION, Wire.VERSION);
  }

  /** The payload bytes. */
  public byte[] encode() {
    return ByteBuffer.allocate(LENGTH + PADDING.length)
        .putInt(Wire.MAGIC)
        .putShort((short) minVersion)
        .putShort((short) maxVersion)
        .put(PADDING)
        .array();
  }

  /** The payload bytes without the padding: what a server from before the padding takes. */
  public byte[] encodeUnpadded() {
    return ByteBuffer.allocate(LENGTH)
        .putInt(Wire.MAGIC)
        .putShort((short) minVersion)
        .putShort((short) maxVersion)
        .array();
  }

  /** Reads a HELLO payload, with or without padding. */
  public static Hello decode(ByteBuffer b) throws ProtocolException {
    if (b.remaining() < LENGTH || b.remaining() > MAX_LENGTH) {
      throw new ProtocolException(
          "hello: payload has "
              + b.remaining()
              + " bytes, expected "
              + LENGTH
              + " to "
              + MAX_LENGTH);
    }
    int magic = b.getInt();
    if (magic != Wire.MAGIC) {
      throw new ProtocolException(
          String.format("hello: magic 0x%08x, expected 0x%08x (STRA)", magic, Wire.MAGIC));
    }
    int min = Short.toUnsignedInt(b.getShort());
    int max = Short.toUnsignedInt(b.getShort());
    if (min > max) {
      throw new ProtocolException("hello: version range " + min + ".." + max + " is empty");
    }
    return new Hello(min, max);
  }

  /** Whether {@code version} lies in the offered range. */
  public boolean offers(int version) {
    return minVersion <= version && version <= maxVersion;
  }
}

package io.strata.protocol;

/**
 * The numbers that fix the frame layout and the protocol's limits. A frame is
 *
 * <pre>
 * frame   = length:u32 type:u8 stream:u32 payload
 * length  = 5 + payload length (the bytes after the length field), at most {@link #MAX_FRAME_LENGTH}
 * </pre>
 *
 * <p>All integers are big-endian and unsigned unless said otherwise.
 */
public final class Wire {
  private Wire() {}

  /** {@code "STRA"}: the first four bytes of HELLO and WELCOME payloads. */
  public static final int MAGIC = 0x53545241;

  /** The protocol version this build speaks. */
  public static final int VERSION = 1;

  /** Bytes of the length prefix. */
  public static final int LENGTH_FIELD = 4;

  /** Bytes of a frame header after the length prefix: type (1) and stream id (4). */
  public static final int HEADER = 5;

  /** The largest value of the length prefix a peer accepts: header plus a 1 MiB payload. */
  public static final int MAX_FRAME_LENGTH = HEADER + (1 << 20);

  /** The largest payload of any frame. */
  public static final int MAX_PAYLOAD = MAX_FRAME_LENGTH - HEADER;

  /** The payload size peers use for DATA frames; smaller frames are always allowed. */
  public static final int DATA_CHUNK = 64 << 10;

  /** The largest JSON argument body of a REQUEST. */
  public static final int MAX_ARGS = 64 << 10;

  /** The largest token an AUTH frame may carry. */
  public static final int MAX_TOKEN = 4096;

  /** Requests a connection may have in flight at once. */
  public static final int MAX_STREAMS = 16;

  /** Stream id 0 is the connection itself: handshake frames and connection errors. */
  public static final int CONNECTION_STREAM = 0;
}

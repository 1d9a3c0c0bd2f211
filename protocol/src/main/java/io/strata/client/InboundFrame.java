package io.strata.client;

import io.strata.protocol.FrameType;
import java.util.Arrays;

/**
 * A frame as the blocking client reads it. The payload is a view of the connection's read buffer,
 * valid until the next read, so a DATA payload reaches its sink without being copied or allocated.
 *
 * @param type its type
 * @param stream its stream id
 * @param buffer the array that holds the payload
 * @param offset where the payload starts in {@code buffer}
 * @param length bytes of payload
 */
record InboundFrame(FrameType type, int stream, byte[] buffer, int offset, int length) {
  /** A copy of the payload (for control frames, which are small and decoded later). */
  byte[] payload() {
    return Arrays.copyOfRange(buffer, offset, offset + length);
  }
}

package io.strata.server.op;

/**
 * A bounded ring of bytes between one writing and one reading thread. Not thread-safe: its owner
 * guards it with its own monitor, which is also what the two sides wait on.
 */
final class ByteRing {
  private final byte[] ring;
  private int head;
  private int count;

  ByteRing(int capacity) {
    this.ring = new byte[capacity];
  }

  boolean isEmpty() {
    return count == 0;
  }

  boolean isFull() {
    return count == ring.length;
  }

  /** The bytes held. */
  int size() {
    return count;
  }

  /** Copies in as many of {@code len} bytes of {@code b} as fit in one piece; how many. */
  int put(byte[] b, int off, int len) {
    int tail = (head + count) % ring.length;
    int n = Math.min(len, Math.min(ring.length - count, ring.length - tail));
    System.arraycopy(b, off, ring, tail, n);
    count += n;
    return n;
  }

  /** Copies out up to {@code len} held bytes, as many as lie in one piece; how many. */
  int take(byte[] b, int off, int len) {
    int n = Math.min(len, Math.min(count, ring.length - head));
    System.arraycopy(ring, head, b, off, n);
    head = (head + n) % ring.length;
    count -= n;
    return n;
  }
}

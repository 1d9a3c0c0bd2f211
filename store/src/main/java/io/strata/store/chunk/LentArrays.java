package io.strata.store.chunk;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Byte arrays of one size, lent for one use (a record read or written, a chunk decoded, a request
 * served) and shared by every thread of the process, the most recently given back first. They were
 * per thread: a thread that ever stored or read a chunk kept some 4 MiB of them for its life, and
 * every mounted container serves on two threads of its own, so 64 containers written one after
 * another ran a 128 MiB heap out (docs/ADVERSARIAL.md, round 7, O3). A few are kept between uses;
 * more are made when more are in use at once, and left to the collector when given back.
 */
public final class LentArrays {
  /** Arrays of {@link ChunkerParams#MAX_CHUNK}: room for any chunk. */
  public static final LentArrays CHUNKS = new LentArrays(ChunkerParams.MAX_CHUNK, 4);

  private final int size;
  private final int kept;
  private final Deque<byte[]> idle = new ArrayDeque<>();

  /** Arrays of {@code size} bytes, {@code kept} of them kept between uses. */
  public LentArrays(int size, int kept) {
    this.size = size;
    this.kept = kept;
  }

  /** An array of this set's size, the caller's until it gives it back. */
  public byte[] take() {
    synchronized (idle) {
      byte[] b = idle.pollFirst();
      if (b != null) {
        return b;
      }
    }
    return new byte[size];
  }

  /** Gives back an array {@link #take} lent. */
  public void give(byte[] b) {
    synchronized (idle) {
      if (idle.size() < kept) {
        idle.addFirst(b);
      }
    }
  }

  /** How many are kept now (for tests). */
  public int kept() {
    synchronized (idle) {
      return idle.size();
    }
  }
}

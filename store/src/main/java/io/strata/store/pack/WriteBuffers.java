package io.strata.store.pack;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The direct write buffers of a store's pack writers, passed from each sealed pack to the next.
 * Allocating them anew for every 32 MiB pack zeroed and page-faulted 2 MiB each time, about 1.4% of
 * an ingest's CPU (docs/PERF.md).
 */
final class WriteBuffers {
  static final int SIZE = 1 << 20;

  /** Two writers' worth: the pack being sealed and the next one. */
  private static final int KEEP = 4;

  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

  /** An empty buffer of {@link #SIZE} bytes. */
  synchronized ByteBuffer take() {
    ByteBuffer b = free.poll();
    return b != null ? b : ByteBuffer.allocateDirect(SIZE);
  }

  /** Gives back a buffer nothing will read or write again. */
  synchronized void give(ByteBuffer b) {
    if (b != null && free.size() < KEEP) {
      b.clear();
      free.push(b);
    }
  }
}

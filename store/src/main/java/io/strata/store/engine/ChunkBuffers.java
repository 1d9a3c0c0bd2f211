package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reusable arrays that carry chunks from the thread that cuts them to the workers that store them.
 * A fresh array per chunk cost its zeroing and, at hundreds of MB/s, frequent young collections,
 * some of them stalled behind zstd's pinned arrays (GCLocker). The pool keeps at most {@code
 * capacity} arrays; when it is empty a new one is made, and one given back to a full pool is left
 * to the collector, so memory stays bounded however many writers run.
 */
final class ChunkBuffers {
  private final ArrayBlockingQueue<byte[]> free;

  ChunkBuffers(int capacity) {
    this.free = new ArrayBlockingQueue<>(capacity);
  }

  /** An array of {@link ChunkerParams#MAX_CHUNK} bytes, with arbitrary content. */
  byte[] take() {
    byte[] b = free.poll();
    return b != null ? b : new byte[ChunkerParams.MAX_CHUNK];
  }

  /** Gives {@code b}, taken from here, back for reuse. */
  void give(byte[] b) {
    free.offer(b);
  }
}

package io.strata.store.engine;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reusable byte arrays of one size: the chunker windows of objects being written, and the arrays
 * that carry chunks from the thread that cuts them to the workers that store them. A fresh array
 * per object or chunk cost its zeroing, first-touch page faults as the heap grew, and at hundreds
 * of MB/s frequent young collections, some of them stalled behind zstd's pinned arrays (GCLocker).
 * The pool keeps at most {@code capacity} arrays; when it is empty a new one is made, and one given
 * back to a full pool is left to the collector, so memory stays bounded however many writers run.
 */
final class ByteArrayPool {
  private final int size;
  private final ArrayBlockingQueue<byte[]> free;

  ByteArrayPool(int size, int capacity) {
    this.size = size;
    this.free = new ArrayBlockingQueue<>(capacity);
  }

  /** An array of this pool's size, with arbitrary content. */
  byte[] take() {
    byte[] b = free.poll();
    return b != null ? b : new byte[size];
  }

  /** Gives {@code b} back for reuse; an array of another size is left to the collector. */
  void give(byte[] b) {
    if (b.length == size) {
      free.offer(b);
    }
  }
}

package io.strata.store.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The direct write buffers of a store's pack writers, passed from each sealed pack to the next.
 * Allocating them anew for every 32 MiB pack zeroed and page-faulted 2 MiB each time, about 1.4% of
 * an ingest's CPU (docs/PERF.md).
 *
 * <p>The two an open pack uses are allocated when the store opens, and a sealed pack hands them to
 * the next: the store never asks for direct memory while it runs, which a server's peers share. A
 * pack writer that asked while a flood of connections held all of it died, and every later write
 * hung. Only after a failure lost a pack's buffers are new ones allocated; if direct memory is out
 * then, the append fails with an {@link IOException} like a full disk.
 */
final class WriteBuffers {
  static final int SIZE = 1 << 20;

  /** What an open pack uses: the buffer appends go into and the one being written. */
  static final int RESERVE = 2;

  /** Two writers' worth: the pack being sealed and the next one. */
  private static final int KEEP = 4;

  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private int allocated;

  WriteBuffers() {
    for (int i = 0; i < RESERVE; i++) {
      free.push(ByteBuffer.allocateDirect(SIZE));
    }
    allocated = RESERVE;
  }

  /** How many buffers this set has allocated. */
  synchronized int allocated() {
    return allocated;
  }

  /** An empty buffer of {@link #SIZE} bytes. */
  synchronized ByteBuffer take() throws IOException {
    ByteBuffer b = free.poll();
    if (b != null) {
      return b;
    }
    try {
      b = ByteBuffer.allocateDirect(SIZE);
      allocated++;
      return b;
    } catch (OutOfMemoryError e) {
      throw new IOException(
          "cannot allocate a pack write buffer of " + SIZE + " bytes: " + e.getMessage(), e);
    }
  }

  /** Gives back a buffer nothing will read or write again. */
  synchronized void give(ByteBuffer b) {
    if (b != null && free.size() < KEEP) {
      b.clear();
      free.push(b);
    }
  }
}

package io.strata.fuse;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The byte arrays a mount's read and write requests copy file bytes through, {@link
 * LowLevelFs#MAX_IO} each, lent for one request and shared by every mount of the process. They were
 * one per serving thread, two per mount for as long as it lived (with the thread's kept chunk,
 * 2.5-3.8 MiB of heap per mount that had written: about 110 mounts filled a 512 MiB heap,
 * docs/ADVERSARIAL.md N8); now a mount costs heap only while a request is in it.
 */
final class IoArrays {
  /** Arrays kept between requests, enough for that many requests at once without allocating. */
  static final int KEPT = 8;

  private static final Deque<byte[]> IDLE = new ArrayDeque<>();

  private IoArrays() {}

  /** An array of {@link LowLevelFs#MAX_IO} bytes, the caller's until {@link #give}. */
  static byte[] take() {
    synchronized (IDLE) {
      byte[] b = IDLE.pollFirst();
      if (b != null) {
        return b;
      }
    }
    return new byte[LowLevelFs.MAX_IO];
  }

  /** Gives back an array {@link #take} lent. */
  static void give(byte[] b) {
    synchronized (IDLE) {
      if (IDLE.size() < KEPT) {
        IDLE.addFirst(b);
      }
    }
  }

  /** How many are kept now (for tests). */
  static int kept() {
    synchronized (IDLE) {
      return IDLE.size();
    }
  }
}

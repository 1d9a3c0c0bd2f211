package io.strata.fuse;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Byte arrays of one size, lent for as long as one request or one held write needs them and shared
 * by every mount of the process. They were each mount's own: one per serving thread, two per mount,
 * and the write-behind's 1 MiB, for as long as the mount lived (with the thread's kept chunk,
 * 2.5-3.8 MiB of heap per mount that had written: about 110 mounts filled a 512 MiB heap,
 * docs/ADVERSARIAL.md N8; 64 mounts written one after another filled 128 MiB, round 7, O3). Now a
 * mount costs heap only while a request is in it or a write is held.
 */
final class IoArrays {
  /** What a read or write request copies file bytes through: {@link LowLevelFs#MAX_IO} each. */
  static final IoArrays REQUESTS = new IoArrays(LowLevelFs.MAX_IO, 8);

  /** What the write-behind gathers consecutive writes in: {@link PendingChanges#HOLD_BYTES}. */
  static final IoArrays HOLDS = new IoArrays(PendingChanges.HOLD_BYTES, 4);

  private final int size;
  private final int kept;
  private final Deque<byte[]> idle = new ArrayDeque<>();

  IoArrays(int size, int kept) {
    this.size = size;
    this.kept = kept;
  }

  /** An array of this set's size, the caller's until {@link #give}. */
  byte[] take() {
    synchronized (idle) {
      byte[] b = idle.pollFirst();
      if (b != null) {
        return b;
      }
    }
    return new byte[size];
  }

  /** Gives back an array {@link #take} lent; kept for the next taker, up to a few. */
  void give(byte[] b) {
    synchronized (idle) {
      if (idle.size() < kept) {
        idle.addFirst(b);
      }
    }
  }

  /** How many are kept now (for tests). */
  int kept() {
    synchronized (idle) {
      return idle.size();
    }
  }
}

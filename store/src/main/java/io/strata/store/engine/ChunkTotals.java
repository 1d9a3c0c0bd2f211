package io.strata.store.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The running byte counts of a chunk store: distinct chunk bytes before and after compression (what
 * {@code strata info} shows, saved with each index checkpoint), and the pack bytes appended since
 * the last checkpoint (what makes the next one due).
 */
final class ChunkTotals {
  private final AtomicLong uniqueBytes = new AtomicLong();
  private final AtomicLong compressedBytes = new AtomicLong();
  private final AtomicLong sinceCheckpoint = new AtomicLong();
  private final UnsyncedRecords unsynced = new UnsyncedRecords();

  ChunkTotals(long unique, long compressed) {
    uniqueBytes.set(unique);
    compressedBytes.set(compressed);
  }

  /**
   * A record of new chunks appended at {@code offset} of pack {@code packId}: {@code recordLen}
   * pack bytes. Called where the append places it, before any other append, so that a failed fsync
   * that cuts it off finds it ({@link #lost}).
   */
  void appended(int packId, long offset, int rawLen, int storedLen, int recordLen) {
    unsynced.add(packId, offset, rawLen, storedLen);
    added(rawLen, storedLen);
    sinceCheckpoint.addAndGet(recordLen);
  }

  /** Pack {@code packId} was sealed durably: its records are no longer at risk of {@link #lost}. */
  void packDurable(int packId) {
    unsynced.packDurable(packId);
  }

  /** Taken before the packs are synced; see {@link #synced}. */
  long beforeSync() {
    return unsynced.mark();
  }

  /** The sync that began at {@code mark} succeeded: what was appended before it stays. */
  void synced(long mark) {
    unsynced.durableBefore(mark);
  }

  /**
   * The records of pack {@code packId} from {@code durableEnd} on never became durable and are
   * dropped: their chunks leave the totals as they leave the index.
   */
  void lost(int packId, long durableEnd) {
    long[] bytes = unsynced.lost(packId, durableEnd);
    uniqueBytes.addAndGet(-bytes[0]);
    compressedBytes.addAndGet(-bytes[1]);
  }

  /** A chunk indexed without an append of ours (another store sharing the bucket wrote it). */
  void added(int rawLen, int storedLen) {
    uniqueBytes.addAndGet(rawLen);
    compressedBytes.addAndGet(storedLen);
  }

  /** A chunk that left the store. */
  void removed(int rawLen, int storedLen) {
    uniqueBytes.addAndGet(-rawLen);
    compressedBytes.addAndGet(-storedLen);
  }

  /**
   * A chunk that left when only its stored length is known (the index holds no raw length): the
   * uncompressed total is not lowered, and overstates by its bytes until a store recounts.
   */
  void removedStored(int storedLen) {
    compressedBytes.addAndGet(-storedLen);
  }

  long uniqueBytes() {
    return uniqueBytes.get();
  }

  long compressedBytes() {
    return compressedBytes.get();
  }

  long sinceCheckpoint() {
    return sinceCheckpoint.get();
  }

  void checkpointed() {
    sinceCheckpoint.set(0);
  }
}

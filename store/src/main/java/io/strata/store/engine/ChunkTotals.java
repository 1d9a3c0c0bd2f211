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

  ChunkTotals(long unique, long compressed) {
    uniqueBytes.set(unique);
    compressedBytes.set(compressed);
  }

  /** A chunk appended to this store's packs: {@code recordLen} pack bytes. */
  void appended(int rawLen, int storedLen, int recordLen) {
    added(rawLen, storedLen);
    sinceCheckpoint.addAndGet(recordLen);
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

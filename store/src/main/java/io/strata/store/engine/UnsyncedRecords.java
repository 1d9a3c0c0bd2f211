package io.strata.store.engine;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counted records no fsync has made durable yet, with the bytes each added to the totals. A
 * failed fsync (or a full disk) drops such records from the index; their bytes must leave the
 * totals with them, and the index keeps no raw length to subtract (docs/ADVERSARIAL.md, D1). Kept
 * from the append to the next successful sync: a few thousand records at most.
 */
final class UnsyncedRecords {
  private record Place(int packId, long offset) {}

  private record Counted(long seq, int rawLen, int storedLen) {}

  private final Map<Place, Counted> records = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();

  /** A record counted at {@code offset} of pack {@code packId}, not yet durable. */
  void add(int packId, long offset, int rawLen, int storedLen) {
    records.put(new Place(packId, offset), new Counted(seq.getAndIncrement(), rawLen, storedLen));
  }

  /** Taken before a sync: the records added before it are durable once the sync succeeds. */
  long mark() {
    return seq.get();
  }

  /** A sync that began at {@code mark} succeeded: the records added before it are durable. */
  void durableBefore(long mark) {
    records.values().removeIf(c -> c.seq() < mark);
  }

  /**
   * Takes out the records of pack {@code packId} at or after {@code durableEnd} (a failed fsync cut
   * them off) and returns their raw and stored bytes.
   */
  long[] lost(int packId, long durableEnd) {
    long[] bytes = new long[2];
    Iterator<Map.Entry<Place, Counted>> it = records.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Place, Counted> e = it.next();
      if (e.getKey().packId() == packId && e.getKey().offset() >= durableEnd) {
        bytes[0] += e.getValue().rawLen();
        bytes[1] += e.getValue().storedLen();
        it.remove();
      }
    }
    return bytes;
  }
}

package io.strata.store.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The counted records no fsync has made durable yet, with the bytes each added to the totals. A
 * failed fsync (or a full disk) drops such records from the index; their bytes must leave the
 * totals with them, and the index keeps no raw length to subtract (docs/ADVERSARIAL.md, D1).
 *
 * <p>Kept per pack in primitive arrays, in append order (a pack's appends are serial): 32 bytes a
 * record, no object per record, as an import appends a record for every group and node. A pack's
 * records leave when a sync made them durable, or when the pack was sealed durably: so a long write
 * that commits once at its end (an import of gigabytes) holds the open pack's records only, not the
 * whole write's.
 */
final class UnsyncedRecords {
  /** One pack's unsynced records, oldest first from {@code from}. */
  private static final class PackRecords {
    long[] seqs = new long[64];
    long[] offsets = new long[64];
    int[] rawLens = new int[64];
    int[] storedLens = new int[64];
    int from;
    int to;

    void add(long seq, long offset, int rawLen, int storedLen) {
      if (to == seqs.length) {
        compactOrGrow();
      }
      seqs[to] = seq;
      offsets[to] = offset;
      rawLens[to] = rawLen;
      storedLens[to] = storedLen;
      to++;
    }

    private void compactOrGrow() {
      int n = to - from;
      if (n > seqs.length / 2) {
        int size = seqs.length * 2;
        seqs = Arrays.copyOf(seqs, size);
        offsets = Arrays.copyOf(offsets, size);
        rawLens = Arrays.copyOf(rawLens, size);
        storedLens = Arrays.copyOf(storedLens, size);
      }
      System.arraycopy(seqs, from, seqs, 0, n);
      System.arraycopy(offsets, from, offsets, 0, n);
      System.arraycopy(rawLens, from, rawLens, 0, n);
      System.arraycopy(storedLens, from, storedLens, 0, n);
      from = 0;
      to = n;
    }

    boolean isEmpty() {
      return from == to;
    }
  }

  private final Map<Integer, PackRecords> packs = new HashMap<>();
  private long seq;

  /** A record counted at {@code offset} of pack {@code packId}, not yet durable. */
  synchronized void add(int packId, long offset, int rawLen, int storedLen) {
    packs.computeIfAbsent(packId, id -> new PackRecords()).add(seq++, offset, rawLen, storedLen);
  }

  /** Taken before a sync: the records added before it are durable once the sync succeeds. */
  synchronized long mark() {
    return seq;
  }

  /** A sync that began at {@code mark} succeeded: the records added before it are durable. */
  synchronized void durableBefore(long mark) {
    Iterator<PackRecords> it = packs.values().iterator();
    while (it.hasNext()) {
      PackRecords p = it.next();
      while (p.from < p.to && p.seqs[p.from] < mark) {
        p.from++;
      }
      if (p.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Pack {@code packId} was sealed and made durable: none of its records can be lost any more. */
  synchronized void packDurable(int packId) {
    packs.remove(packId);
  }

  /**
   * Takes out the records of pack {@code packId} at or after {@code durableEnd} (a failed fsync cut
   * them off) and returns their raw and stored bytes.
   */
  synchronized long[] lost(int packId, long durableEnd) {
    long[] bytes = new long[2];
    PackRecords p = packs.get(packId);
    if (p == null) {
      return bytes;
    }
    int cut = p.to;
    while (cut > p.from && p.offsets[cut - 1] >= durableEnd) {
      cut--;
      bytes[0] += p.rawLens[cut];
      bytes[1] += p.storedLens[cut];
    }
    p.to = cut;
    if (p.isEmpty()) {
      packs.remove(packId);
    }
    return bytes;
  }
}

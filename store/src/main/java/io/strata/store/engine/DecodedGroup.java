package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackSet;

/**
 * A group record one thread decoded last, kept so that reading its other members costs a copy. A
 * record never changes once written and pack ids are not reused while a store is open, so the
 * store's pack set, the pack and the offset name the bytes for good.
 */
final class DecodedGroup {
  // Grown to the largest group this thread met: a thread that never reads a group holds nothing.
  byte[] raw = new byte[0];
  GroupTable table;
  private PackSet packs;
  private int packId;
  private long offset;

  boolean holds(PackSet packs, int packId, long offset) {
    return this.packs == packs && this.packId == packId && this.offset == offset;
  }

  /**
   * Before {@link #raw} is overwritten with a group of {@code rawLen} bytes: a decode that fails
   * part-way leaves nothing named.
   */
  void forget(int rawLen) {
    packs = null;
    table = null;
    if (raw.length < rawLen) {
      raw = new byte[Math.min(ChunkerParams.MAX_CHUNK, (rawLen + 0xFFFF) & ~0xFFFF)];
    }
  }

  void hold(PackSet packs, int packId, long offset, GroupTable table) {
    this.packs = packs;
    this.packId = packId;
    this.offset = offset;
    this.table = table;
  }
}

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
  final byte[] raw = new byte[ChunkerParams.MAX_CHUNK];
  GroupTable table;
  private PackSet packs;
  private int packId;
  private long offset;

  boolean holds(PackSet packs, int packId, long offset) {
    return this.packs == packs && this.packId == packId && this.offset == offset;
  }

  /** Before {@link #raw} is overwritten: a decode that fails part-way leaves nothing named. */
  void forget() {
    packs = null;
    table = null;
  }

  void hold(PackSet packs, int packId, long offset, GroupTable table) {
    this.packs = packs;
    this.packId = packId;
    this.offset = offset;
    this.table = table;
  }
}

package io.strata.store.engine;

import io.strata.store.digest.Digest;
import io.strata.store.pack.GroupTable;

/**
 * The members of one group record while they are gathered: new chunks of one write session, kept in
 * memory until the group is full or the session commits ({@link ChunkGroups}), or the live members
 * of a group gc rewrites. Guarded by its own monitor; the session's {@link SessionGroups} decides
 * which group takes the next chunk.
 */
final class OpenGroup {
  final WriteSession owner;
  final byte[] raw;
  int used;
  int count;
  final int[] ids = new int[GroupTable.MAX_MEMBERS];
  final int[] rawLens = new int[GroupTable.MAX_MEMBERS];
  final Digest[] digests = new Digest[GroupTable.MAX_MEMBERS];
  // Appended or failed: the members are in the index (or gone from it), `raw` is given back.
  boolean done;
  // Why its append failed (under the group's monitor, with done): a later flush reports it.
  Throwable failure;

  OpenGroup(WriteSession owner, byte[] raw) {
    this.owner = owner;
    this.raw = raw;
  }

  /** Whether a chunk of {@code len} bytes still fits. */
  boolean fits(int len) {
    return count < GroupTable.MAX_MEMBERS && used + len <= raw.length;
  }

  /** Adds chunk {@code id}; the caller checked {@link #fits}. */
  void add(int id, Digest d, byte[] b, int off, int len) {
    System.arraycopy(b, off, raw, used, len);
    ids[count] = id;
    rawLens[count] = len;
    digests[count] = d;
    count++;
    used += len;
  }

  /** Whether the group has reached {@code groupBytes} (or its member limit) and goes out now. */
  boolean full(int groupBytes) {
    return used >= groupBytes || count == GroupTable.MAX_MEMBERS;
  }

  /** Copies member {@code id} to {@code dst}; its length, or -1 if this group lacks it. */
  int copy(int id, byte[] dst) {
    int start = 0;
    for (int i = 0; i < count; i++) {
      if (ids[i] == id) {
        System.arraycopy(raw, start, dst, 0, rawLens[i]);
        return rawLens[i];
      }
      start += rawLens[i];
    }
    return -1;
  }
}

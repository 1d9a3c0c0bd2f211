package io.strata.store.engine;

import io.strata.store.pack.GroupTable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The group records decoded last, shared by every reading thread of one store, least recently used
 * first out, up to {@link #MAX_BYTES} of decoded bytes (16 MiB, less in a heap under 256 MiB).
 * Readers of neighbouring files rarely read their chunks in the order the groups were filled (a
 * write's worker threads interleave files, and a FUSE mount serves its reads from two threads), so
 * keeping only each thread's last group decodes the same group again and again; a few dozen groups
 * cover the files a walk reads at once. A decoded group is never changed once kept: a record never
 * changes once written, and pack ids are not reused while a store is open, so the pack and the
 * offset name its bytes for good.
 */
final class DecodedGroups {
  /**
   * The most decoded bytes kept, about 36 groups of the default size: a sixteenth of the heap up to
   * that (a server run in a small heap keeps fewer).
   */
  static final long MAX_BYTES =
      Math.max(1L << 20, Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 16));

  /** A decoded group: its members' bytes, one after the other, and its member table. */
  record Group(byte[] raw, GroupTable table) {}

  private record Key(int packId, long offset) {}

  private final Map<Key, Group> groups = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;

  synchronized Group get(int packId, long offset) {
    return groups.get(new Key(packId, offset));
  }

  synchronized void put(int packId, long offset, Group g) {
    Group old = groups.put(new Key(packId, offset), g);
    bytes += g.raw().length - (old == null ? 0 : old.raw().length);
    Iterator<Group> it = groups.values().iterator();
    while (bytes > MAX_BYTES && it.hasNext()) {
      bytes -= it.next().raw().length;
      it.remove();
    }
  }
}

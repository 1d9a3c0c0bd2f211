package io.strata.store.fs;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The access times reads set and no change has written yet, by inode: what ZFS keeps in its
 * in-memory znodes until the transaction group is written. Reads add to it under the file system's
 * read lock, on several threads at once; {@link TreeFileSystem} writes it out, as ATIME items, with
 * the next change or sync, or with the first read {@link #FLUSH_AFTER_NANOS} after the oldest entry
 * (ZFS's {@code zfs_txg_timeout}), so that reads never take the write path one by one.
 */
final class AccessLog {
  /** How long an access time may stay in memory before a read writes it out: 5 s, as ZFS. */
  static final long FLUSH_AFTER_NANOS = 5_000_000_000L;

  /**
   * The most access times kept in memory: a read that finds this many writes them out at once, so a
   * walk that reads a whole tree (an export, a tar through a mount) holds about 400 KiB of them,
   * not an entry for every file of the tree.
   */
  static final int MAX_PENDING = 4096;

  private final Map<Long, Long> pending = new ConcurrentHashMap<>();
  private long oldest; // clock time of the first entry since the log was last empty

  /** The access time a read set for {@code ino} and that is not written yet, or null. */
  Long get(long ino) {
    return pending.get(ino);
  }

  synchronized void record(long ino, long now) {
    if (pending.isEmpty()) {
      oldest = now;
    }
    pending.merge(ino, now, Math::max);
  }

  /**
   * Whether a read should write the entries out at {@code now}: they have waited long enough, or
   * there are {@link #MAX_PENDING} of them.
   */
  synchronized boolean due(long now) {
    return !pending.isEmpty()
        && (now - oldest >= FLUSH_AFTER_NANOS || pending.size() >= MAX_PENDING);
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Takes every entry out of the log. */
  synchronized Map<Long, Long> drain() {
    Map<Long, Long> out = new HashMap<>(pending);
    pending.clear();
    return out;
  }

  /**
   * Puts back entries {@link #drain} took and that could not be written; newer ones win. They count
   * as new, so a failing write is retried by reads only every {@link #FLUSH_AFTER_NANOS}.
   */
  synchronized void restore(Map<Long, Long> entries, long now) {
    if (entries.isEmpty()) {
      return;
    }
    if (pending.isEmpty()) {
      oldest = now;
    }
    entries.forEach((ino, t) -> pending.merge(ino, t, Math::max));
  }

  /** Forgets {@code ino}'s entry: its access time was set explicitly. */
  void forget(long ino) {
    pending.remove(ino);
  }

  /** Forgets every entry: the tree was replaced. */
  synchronized void clear() {
    pending.clear();
  }
}

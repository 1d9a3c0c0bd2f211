package io.strata.store.volume;

import io.strata.store.disk.OpenFileLimit;
import io.strata.store.error.EachCalled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Host files and directories a view changed while it deferred durability, each kept open until the
 * view's sync forces it: what a mount writes into a volume or bind mount is durable at the
 * container's {@code fsync}, as on the host's own file system, not at every write (forcing the file
 * and its directory per 4 KiB write held a mount to 2-3 MB/s). One channel per file or directory,
 * keyed by its identity on the host ({@code fileKey}: device and inode, which cannot be reused
 * while the channel holds the inode open). At most {@link #MAX} are kept: past that the eldest is
 * forced and closed at once, bounding a view's open descriptors.
 */
final class UnforcedChannels {
  /** The most channels one view keeps open for its next sync. */
  static final int MAX = 64;

  /**
   * The most all views of the process keep: an eighth of its open-file limit, 16 to 1,024 (packs
   * take a quarter, connections half of what is free). Past it a change is forced at once, as if
   * nothing were deferred: durable sooner, never later.
   */
  static final int PROCESS_MAX = processMax(OpenFileLimit.soft());

  private static final AtomicInteger KEPT_IN_PROCESS = new AtomicInteger();

  static int processMax(long openFileLimit) {
    return openFileLimit < 0 ? 1024 : (int) Math.max(16, Math.min(1024, openFileLimit / 8));
  }

  /** How a channel is made durable: {@link FileChannel#force}, or a test's record of it. */
  @FunctionalInterface
  interface Force {
    void force(FileChannel ch) throws IOException;
  }

  private final Force force;
  private final Map<Object, FileChannel> kept = new LinkedHashMap<>();

  UnforcedChannels(Force force) {
    this.force = force;
  }

  /** How many channels all views keep now (for tests). */
  static int keptInProcess() {
    return KEPT_IN_PROCESS.get();
  }

  /** Forces {@code ch} at once (a change made while nothing is deferred). */
  void forceNow(FileChannel ch) throws IOException {
    force.force(ch);
  }

  /** Whether a channel on the file or directory {@code key} names is kept already. */
  synchronized boolean has(Object key) {
    return kept.containsKey(key);
  }

  /**
   * Keeps {@code ch}, open on the file or directory {@code key} names, for {@link #forceAll}; if
   * one on the same is kept already, closes {@code ch} (forcing either forces the inode). Past
   * {@link #MAX}, forces and closes the eldest.
   */
  synchronized void keep(Object key, FileChannel ch) throws IOException {
    if (kept.containsKey(key)) {
      ch.close();
      return;
    }
    if (KEPT_IN_PROCESS.incrementAndGet() > PROCESS_MAX) {
      KEPT_IN_PROCESS.decrementAndGet();
      try (ch) {
        force.force(ch);
      }
      return;
    }
    kept.put(key, ch);
    if (kept.size() > MAX) {
      Iterator<FileChannel> eldest = kept.values().iterator();
      FileChannel first = eldest.next();
      eldest.remove();
      KEPT_IN_PROCESS.decrementAndGet();
      try (first) {
        force.force(first);
      }
    }
  }

  /** Forces and closes the channel kept for {@code key}, if any. */
  void forceOne(Object key) throws IOException {
    FileChannel ch;
    synchronized (this) {
      ch = kept.remove(key);
    }
    if (ch != null) {
      KEPT_IN_PROCESS.decrementAndGet();
      try (ch) {
        force.force(ch);
      }
    }
  }

  /**
   * Forces and closes every kept channel; all are closed, and the first failure is thrown after
   * (with the others suppressed): a change the view acknowledged may not be durable.
   */
  synchronized void forceAll() throws IOException {
    List<FileChannel> all = new ArrayList<>(kept.values());
    kept.clear();
    KEPT_IN_PROCESS.addAndGet(-all.size());
    EachCalled.on(
        all,
        ch -> {
          try (ch) {
            force.force(ch);
          }
        });
  }

  /**
   * Closes every kept channel without forcing it: the changes are on the host already, only their
   * durability is given up (a failed group's, which acknowledged nothing).
   */
  synchronized void closeAll() {
    KEPT_IN_PROCESS.addAndGet(-kept.size());
    for (FileChannel ch : kept.values()) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing a channel opened for writing reports nothing a force would not have
      }
    }
    kept.clear();
  }
}

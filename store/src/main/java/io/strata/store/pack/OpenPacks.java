package io.strata.store.pack;

import io.strata.store.disk.OpenFileLimit;
import java.util.ArrayDeque;

/**
 * The packs whose channels are open, at most {@link #max}: opening one more closes the one least
 * recently read, by the clock rule (a pack read since the hand last passed gets a second chance),
 * so a read costs no lock and a full scan happens only when a pack is opened. Reads of packs
 * outside the working set pay an {@code open} each.
 */
final class OpenPacks {
  /** Used when the process's open-file limit cannot be read. */
  static final int DEFAULT = 1024;

  private final int max;
  private final ArrayDeque<PackFile> open = new ArrayDeque<>();

  OpenPacks(int max) {
    this.max = Math.max(2, max);
  }

  /**
   * The default bound: a quarter of this process's open-file limit (between 64 and 4,096), the rest
   * left to connections, spool files and the containerd and registry services.
   */
  static int forThisProcess() {
    long limit = OpenFileLimit.soft();
    if (limit < 0) {
      return DEFAULT;
    }
    return (int) Math.max(64, Math.min(4096, limit / 4));
  }

  int max() {
    return max;
  }

  /** {@code p}'s channel was just opened: closes others while more than {@link #max} are. */
  void opened(PackFile p) {
    PackFile[] toClose;
    synchronized (this) {
      open.addLast(p);
      java.util.List<PackFile> out = new java.util.ArrayList<>();
      int passes = 0;
      while (open.size() > max && passes++ < 3 * open.size()) {
        PackFile c = open.pollFirst();
        if (c == p || c.takeRecent()) {
          open.addLast(c);
        } else {
          out.add(c);
        }
      }
      while (open.size() > max) {
        out.add(open.pollFirst()); // all read at once: close the oldest anyway
      }
      toClose = out.toArray(new PackFile[0]);
    }
    for (PackFile c : toClose) {
      c.close();
    }
  }

  /** {@code p} is closed for good. */
  synchronized void forget(PackFile p) {
    open.remove(p);
  }

  synchronized int size() {
    return open.size();
  }
}

package io.strata.store.faultfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * An inode of the simulated disk: each holds its current state, what the page cache shows, next to
 * its durable state, what the platter holds. Guarded by the {@link SimulatedDisk}'s lock.
 */
abstract sealed class Node permits Node.FileNode, Node.DirNode {
  private static final byte[] EMPTY = new byte[0];

  /** A regular file. */
  static final class FileNode extends Node {
    byte[] data = EMPTY;
    int size;
    // The content as of the last force; a new file is durably empty.
    byte[] durable = EMPTY;
    // Writes and truncations since the last force, kept only for torn-write crashes.
    final List<Pending> pending = new ArrayList<>();
    // Whether a directory entry names it: only then does it take space on the disk.
    boolean linked = true;
    FaultChannel.FaultLock lock;

    void ensureCapacity(long end) {
      if (end > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("a simulated file is limited to 2 GiB");
      }
      if (end > data.length) {
        data = Arrays.copyOf(data, (int) Math.max(end, Math.min(2L * data.length, 1L << 30)));
      }
    }

    /** Sets the content to {@code content} (a crash restoring what was durable). */
    void restore(byte[] content) {
      data = content.clone();
      size = content.length;
    }

    byte[] content() {
      return Arrays.copyOf(data, size);
    }
  }

  /** A directory. */
  static final class DirNode extends Node {
    TreeMap<String, Node> entries = new TreeMap<>();
    // The entries as of the last fsync of this directory (or journal commit); a new directory is
    // durably empty.
    TreeMap<String, Node> durableEntries = new TreeMap<>();
  }

  /** A write ({@code bytes} at {@code position}) or, with null bytes, a truncation to position. */
  record Pending(long position, byte[] bytes) {}
}

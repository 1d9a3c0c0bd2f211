package io.strata.store.fs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The allocated bytes ({@link FileLayout#allocatedBytes}, {@code st_blocks} * 512) of the large
 * regular files stat was last asked about, by inode number. A layout finds them by walking all of a
 * file's data items (a Btrfs file's extents, a ZFS file's records), in proportion to the file's
 * size, and stat runs at every FUSE LOOKUP and GETATTR, listing, export walk and {@code du}.
 *
 * <p>An entry holds while its file's content does not change, so it goes: {@link FileContents}
 * forgets a file before every change of its content, and the whole cache goes once the tree moved
 * back to an earlier state ({@link DurableTree#rewinds}: a failed change undone, held changes
 * dropped, a reload). The latter is also the only way an inode number is given out again: numbers
 * come from a counter in the tree that only grows, but with the tree. An entry of a removed file
 * therefore never answers for another; it waits to be pushed out.
 *
 * <p>Holds at most {@link #FILES} files, the least recently asked about going first. Filled under
 * the file system's read lock, by several threads at once, and emptied under its write lock:
 * synchronized.
 */
final class AllocatedBytesCache {
  /**
   * Files kept: far more large files than a container or a walk has in hand at once, and some 100
   * bytes each.
   */
  static final int FILES = 1024;

  private final Map<Long, Long> bytes =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
          return size() > FILES;
        }
      };

  /** The tree's {@link DurableTree#rewinds} the entries were learnt at. */
  private long rewinds;

  /** The allocated bytes of file {@code ino}, or -1 if not known at the tree's {@code rewinds}. */
  synchronized long get(long ino, long rewinds) {
    Long b = at(rewinds).get(ino);
    return b == null ? -1 : b;
  }

  /** Notes that file {@code ino} takes {@code allocated} bytes at the tree's {@code rewinds}. */
  synchronized void put(long ino, long rewinds, long allocated) {
    at(rewinds).put(ino, allocated);
  }

  /** Forgets file {@code ino}: its content is about to change. */
  synchronized void forget(long ino) {
    bytes.remove(ino);
  }

  private Map<Long, Long> at(long treeRewinds) {
    if (treeRewinds != rewinds) {
      bytes.clear();
      rewinds = treeRewinds;
    }
    return bytes;
  }
}

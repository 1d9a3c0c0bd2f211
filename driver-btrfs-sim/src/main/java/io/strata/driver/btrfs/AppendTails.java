package io.strata.driver.btrfs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where content-defined cutting resumes in the files being appended to: for each, the offset of its
 * last content-defined cut (the start of its tail, the bytes after it that no boundary ends yet)
 * and the file's end when that was so. {@link ExtentLayout} cuts what is appended to a file as an
 * import cuts a stream, and a cut needs the bytes since the last one; remembering where that was
 * saves finding it again at every append.
 *
 * <p>Only a hint: a write resumes at the tail only when the file still ends where it ended, and
 * reads the tail's bytes back from the file, so a stale or lost entry (an undone change, a restart,
 * an entry pushed out by others) costs deduplication, never correctness. Holds at most {@link
 * #TRACKED} files, the least recently appended to going first. Used under the file system's write
 * lock only, like the layout's writes.
 */
final class AppendTails {
  /** Files tracked at once: far more than a container appends to between syncs. */
  static final int TRACKED = 1024;

  private record Tail(long cut, long end) {}

  private final Map<Long, Tail> tails =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Tail> eldest) {
          return size() > TRACKED;
        }
      };

  /** The file and offset of the append {@link #growing} announced, for the write that follows. */
  private long appendIno = -1;

  private long appendAt = -1;

  /**
   * Notes that file {@code ino}, now {@code size} bytes long, is about to grow: by a write at
   * {@code writeOffset}, or by a truncate ({@code -1}). A write at the end itself is an append.
   */
  void growing(long ino, long size, long writeOffset) {
    if (writeOffset == size) {
      appendIno = ino;
      appendAt = size;
    } else {
      appendIno = -1;
      tails.remove(ino);
    }
  }

  /**
   * Where the cutting of a write at {@code offset} to file {@code ino} starts, or -1 when the write
   * is not an append (its file's tail is forgotten then). A file's first bytes start at 0; an
   * append to a tracked file at its tail's cut, if that lies within {@code maxChunk} bytes; any
   * other append at the block it starts in, so that it stores no more than the blocks it touches.
   */
  long cutFrom(long ino, long offset, int maxChunk) {
    boolean append = appendIno == ino && appendAt == offset;
    appendIno = -1;
    if (!append) {
      tails.remove(ino);
      return -1;
    }
    if (offset == 0) {
      return 0;
    }
    Tail t = tails.get(ino);
    if (t != null && t.end == offset && offset - t.cut < maxChunk) {
      return t.cut;
    }
    return ExtentLayout.alignDown(offset);
  }

  /** Records that file {@code ino} ends at {@code end} and was last cut at {@code cut}. */
  void cut(long ino, long cut, long end) {
    tails.put(ino, new Tail(cut, end));
  }

  /** Forgets file {@code ino}: its content changed other than by an append. */
  void forget(long ino) {
    tails.remove(ino);
    if (appendIno == ino) {
      appendIno = -1;
    }
  }
}

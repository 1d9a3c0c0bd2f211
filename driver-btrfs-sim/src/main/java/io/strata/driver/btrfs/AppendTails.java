package io.strata.driver.btrfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  /**
   * A file's tail: from its last content-defined cut to its end; {@code pieced} when short appends
   * stored it in blocks rather than as one chunk; {@code round} the {@link #idleTails} round of its
   * last append.
   */
  private record Tail(long cut, long end, boolean pieced, long round) {}

  /** A tail to store again as one chunk. */
  record Unfinished(long ino, long cut, long end) {}

  private final Map<Long, Tail> tails =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Tail> eldest) {
          if (size() <= TRACKED) {
            return false;
          }
          if (eldest.getValue().pieced) {
            pieced--;
          }
          return true;
        }
      };

  /** The file and offset of the append {@link #growing} announced, for the write that follows. */
  private long appendIno = -1;

  private long appendAt = -1;

  /** How many times {@link #idleTails} was asked: a tail appended to since is not idle. */
  private long round;

  /** Tails stored in pieces, for {@link #hasPieced} to answer without the file system's lock. */
  private volatile int pieced;

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
      remove(ino);
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
      remove(ino);
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

  /**
   * Records that file {@code ino} ends at {@code end} and was last cut at {@code cut}; {@code
   * pieced} when the tail is stored in blocks (a short append took the block path), not as one
   * chunk.
   */
  void cut(long ino, long cut, long end, boolean pieced) {
    put(ino, new Tail(cut, end, pieced, round));
  }

  /** Forgets file {@code ino}: its content changed other than by an append. */
  void forget(long ino) {
    remove(ino);
    if (appendIno == ino) {
      appendIno = -1;
    }
  }

  /** Whether some tail is stored in pieces: cheap, and safe without the file system's lock. */
  boolean hasPieced() {
    return pieced > 0;
  }

  /**
   * The tails stored in pieces that no append reached since the previous call (idle for a whole
   * round: a file still being appended to is left alone), now counted as whole: the caller stores
   * each again as one chunk.
   */
  List<Unfinished> idleTails() {
    List<Unfinished> out = new ArrayList<>();
    for (Map.Entry<Long, Tail> e : tails.entrySet()) {
      Tail t = e.getValue();
      if (t.pieced && t.round < round) {
        out.add(new Unfinished(e.getKey(), t.cut, t.end));
      }
    }
    for (Unfinished u : out) {
      Tail t = tails.get(u.ino());
      put(u.ino(), new Tail(t.cut, t.end, false, t.round));
    }
    round++;
    return out;
  }

  private void put(long ino, Tail t) {
    Tail before = tails.put(ino, t);
    pieced += (t.pieced ? 1 : 0) - (before != null && before.pieced ? 1 : 0);
  }

  private void remove(long ino) {
    Tail before = tails.remove(ino);
    if (before != null && before.pieced) {
      pieced--;
    }
  }
}

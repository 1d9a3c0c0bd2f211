package io.strata.store.fs;

import io.strata.store.chunk.ChunkerParams;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * A chunk read whole for a {@link FileLayout}, lent to one reader until it closes it, then kept for
 * the next: sequential reads come in pieces smaller than a chunk (FUSE asks for 128 KiB at a time,
 * a chunk holds up to {@link ChunkerParams#MAX_CHUNK}), and keeping the last chunks decodes each
 * once. Keyed by what the bytes are, never by where they were read (a chunk's digest, or a digest
 * with the salt a record was unsalted with), so a kept chunk is right for any file of any file
 * system.
 *
 * <p>One set for the whole process, at most {@link #KEPT} chunks between reads: it used to be one
 * buffer per thread that ever read a file, 1 MiB for each of a mount's two threads for as long as
 * the mount lived (docs/ADVERSARIAL.md, N8). A chunk another reader holds is not shared: a second
 * reader of it decodes its own copy.
 */
public final class LastChunk implements AutoCloseable {
  /** Chunks kept between reads: as many sequential readers as this find theirs again. */
  static final int KEPT = 4;

  /** The chunks no reader holds, the most recently returned first. */
  private static final Deque<LastChunk> IDLE = new ArrayDeque<>();

  /** Fills a buffer with the bytes a key stands for; returns how many. */
  @FunctionalInterface
  public interface Fill {
    int into(byte[] buffer) throws IOException;
  }

  private final byte[] bytes = new byte[ChunkerParams.MAX_CHUNK];
  private Object key;
  private int length;

  private LastChunk() {}

  /**
   * A buffer holding the bytes of {@code key}, filled by {@code fill} unless a kept one holds them
   * already; the caller's until it closes it.
   */
  public static LastChunk of(Object key, Fill fill) throws IOException {
    LastChunk c = take(key);
    if (c.key == null) {
      try {
        c.length = fill.into(c.bytes);
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
      c.key = key;
    }
    return c;
  }

  /** A kept chunk holding {@code key}; else an empty one (the least used, or a new one). */
  private static LastChunk take(Object key) {
    synchronized (IDLE) {
      for (Iterator<LastChunk> it = IDLE.iterator(); it.hasNext(); ) {
        LastChunk c = it.next();
        if (key.equals(c.key)) {
          it.remove();
          return c;
        }
      }
      LastChunk c = IDLE.size() >= KEPT ? IDLE.pollLast() : new LastChunk();
      c.key = null;
      c.length = 0;
      return c;
    }
  }

  /** The buffer; its first {@link #length} bytes are the chunk's. */
  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }

  /** Gives the chunk back, to be kept for the next reader of the same bytes. */
  @Override
  public void close() {
    synchronized (IDLE) {
      IDLE.addFirst(this);
      while (IDLE.size() > KEPT) {
        IDLE.pollLast();
      }
    }
  }

  /** How many chunks are kept between reads now (for tests). */
  static int kept() {
    synchronized (IDLE) {
      return IDLE.size();
    }
  }
}

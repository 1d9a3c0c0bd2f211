package io.strata.store.fs;

import io.strata.store.chunk.ChunkerParams;
import java.io.IOException;

/**
 * The last chunk this thread read for a {@link FileLayout}, whole: sequential reads come in pieces
 * smaller than a chunk (FUSE asks for 128 KiB at a time, a chunk holds up to {@link
 * ChunkerParams#MAX_CHUNK}), and keeping it decodes each chunk once. Per thread, because reads of
 * one file system run in parallel; keyed by what the bytes are, never by where they were read (a
 * chunk's digest, or a digest with the salt a record was unsalted with), so it stays right for any
 * file of any file system. Costs one {@link ChunkerParams#MAX_CHUNK} buffer per thread that reads
 * files.
 */
public final class LastChunk {
  private static final ThreadLocal<LastChunk> OF_THREAD = ThreadLocal.withInitial(LastChunk::new);

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
   * This thread's buffer holding the bytes of {@code key}, filled by {@code fill} unless it holds
   * them already. Valid until this thread's next call; a fill that throws leaves it empty.
   */
  public static LastChunk of(Object key, Fill fill) throws IOException {
    LastChunk c = OF_THREAD.get();
    if (!key.equals(c.key)) {
      c.key = null;
      c.length = fill.into(c.bytes);
      c.key = key;
    }
    return c;
  }

  /** The buffer; its first {@link #length} bytes are the chunk's. */
  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }
}

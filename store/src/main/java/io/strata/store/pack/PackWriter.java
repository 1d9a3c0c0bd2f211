package io.strata.store.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The open pack: records are appended through a write buffer, so a stream of small chunks costs one
 * write call per buffer, not per chunk. Two buffers take turns: while a full one is written (see
 * {@link BufferWrite}, outside the append lock) appends go on into the other. Not thread-safe;
 * {@link PackSet} serialises calls, all but {@link BufferWrite#writeOrAwait} under its lock.
 */
final class PackWriter {
  private final int id;
  private final FileChannel channel;
  private final WriteBuffers buffers;
  private ByteBuffer buffer;
  private ByteBuffer spare;
  // The previous buffer, full, on its way to the file; null once it is back as the spare.
  private BufferWrite inFlight;
  // The file offset of the first byte in `buffer`.
  private long bufferAt;
  private long size;
  private volatile long flushed;
  private long synced;
  // Set once the pack is durable, before its channel closes: a concurrent force() that finds the
  // channel closed then knows its bytes are on disk.
  private volatile boolean sealed;
  private int records;

  private PackWriter(int id, FileChannel channel, long size, WriteBuffers buffers) {
    this.id = id;
    this.channel = channel;
    this.buffers = buffers;
    this.buffer = buffers.take();
    this.spare = buffers.take();
    this.size = size;
    this.bufferAt = size;
    this.flushed = size;
    // The header is not durable yet: the pack counts as dirty until its first fsync.
    this.synced = 0;
  }

  /**
   * Creates pack {@code id} at {@code path} with its header. The header becomes durable with the
   * pack's first fsync, together with the first records: nothing in the pack is acknowledged before
   * that, and an fsync here, under the append lock, stalled every worker behind the fsync of the
   * pack sealed just before (see {@link BackgroundSeals}).
   */
  static PackWriter create(int id, Path path, WriteBuffers buffers) throws IOException {
    FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    byte[] header = new byte[PackFormat.HEADER_SIZE];
    System.arraycopy(PackFormat.HEADER_MAGIC, 0, header, 0, 8);
    Bytes.putInt(header, 8, PackFormat.VERSION);
    Bytes.putInt(header, 12, id);
    Bytes.putLong(header, 16, System.currentTimeMillis());
    Bytes.putInt(header, 28, Bytes.crc32c(header, 0, 28));
    ByteBuffer bb = ByteBuffer.wrap(header);
    while (bb.hasRemaining()) {
      ch.write(bb);
    }
    return new PackWriter(id, ch, PackFormat.HEADER_SIZE, buffers);
  }

  int id() {
    return id;
  }

  /** The pack's length, buffered bytes included. */
  long size() {
    return size;
  }

  /** The length of the part readers can see through their own channel. */
  long flushed() {
    return flushed;
  }

  int records() {
    return records;
  }

  /**
   * Appends one complete record; returns its offset. If this fills the buffer, the full one is left
   * as {@link #unstartedWrite} for the caller to write once it has released the append lock.
   */
  long append(byte[] rec, int off, int len) throws IOException {
    long at = size;
    size += len;
    while (len > 0) {
      if (!buffer.hasRemaining()) {
        rotate();
      }
      int n = Math.min(len, buffer.remaining());
      buffer.put(rec, off, n);
      off += n;
      len -= n;
    }
    records++;
    return at;
  }

  /** The full buffer that nobody has started to write, if any. */
  BufferWrite unstartedWrite() {
    BufferWrite w = inFlight;
    return w != null && w.unstarted() ? w : null;
  }

  /** Hands the full buffer over to be written and takes the spare back. */
  private void rotate() throws IOException {
    awaitInFlight();
    buffer.flip();
    inFlight = new BufferWrite(channel, buffer, bufferAt);
    bufferAt += buffer.limit();
    buffer = spare;
    spare = null;
  }

  /** Writes the previous buffer if nobody has started to, or waits for it; then it is the spare. */
  private void awaitInFlight() throws IOException {
    BufferWrite w = inFlight;
    if (w == null) {
      return;
    }
    w.writeOrAwait();
    flushed = w.end();
    spare = w.buffer();
    spare.clear();
    inFlight = null;
  }

  /** Hands every appended byte to the OS, so readers see them; not yet durable. */
  void flush() throws IOException {
    awaitInFlight();
    buffer.flip();
    long at = bufferAt;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
    buffer.clear();
    bufferAt = at;
    flushed = at;
  }

  /** Whether records were appended since the last fsync. */
  boolean dirty() {
    return synced < size;
  }

  /**
   * Forces what was flushed to disk. Runs without the append lock; if the pack was sealed (and so
   * forced and closed) meanwhile, there is nothing left to do.
   */
  void force() throws IOException {
    long upTo = flushed;
    try {
      channel.force(false);
    } catch (java.nio.channels.ClosedChannelException e) {
      if (!sealed) {
        throw new IOException("pack " + id + " was closed before it was made durable", e);
      }
      return;
    }
    synchronized (this) {
      synced = Math.max(synced, upTo);
    }
  }

  /** Writes the trailer, makes the pack durable and closes it; it is immutable from now on. */
  void seal() throws IOException {
    writeTrailer();
    forceAndClose();
  }

  /**
   * Appends the trailer and hands everything to the OS: the pack is complete and readable, though
   * not yet durable. {@link #forceAndClose} finishes the seal and may run on another thread.
   */
  void writeTrailer() throws IOException {
    byte[] t = new byte[PackFormat.TRAILER_SIZE];
    Bytes.putInt(t, 0, PackFormat.TRAILER_MAGIC);
    Bytes.putInt(t, 4, records);
    Bytes.putLong(t, 8, size);
    Bytes.putInt(t, 16, Bytes.crc32c(t, 0, 16));
    append(t, 0, t.length);
    records--;
    flush();
    // Every byte is with the OS now and nothing appends again: the next pack may have the buffers.
    buffers.give(buffer);
    buffers.give(spare);
    buffer = null;
    spare = null;
  }

  /** Makes the complete pack durable and closes it. */
  void forceAndClose() throws IOException {
    channel.force(false);
    synchronized (this) {
      synced = flushed;
    }
    sealed = true;
    channel.close();
  }

  /** Closes without sealing (used when the store fails to open). */
  void abandon() throws IOException {
    channel.close();
  }
}

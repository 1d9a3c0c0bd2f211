package io.strata.store.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One full write buffer of the open pack on its way to the file. The thread whose append filled it
 * writes it after releasing the append lock, so a slow {@code write} call (the file system busy
 * with a seal's fsync) holds up only that thread. Whoever needs the bytes written first, under the
 * lock (a flush, or an append that needs the buffer back), writes it itself if nobody has started,
 * or waits for the thread that has.
 */
final class BufferWrite {
  private enum State {
    NEW,
    RUNNING,
    DONE
  }

  private final FileChannel channel;
  private final ByteBuffer buffer;
  private final long position;
  private State state = State.NEW;

  /** {@code buffer}, flipped, is to be written at {@code position} of {@code channel}. */
  BufferWrite(FileChannel channel, ByteBuffer buffer, long position) {
    this.channel = channel;
    this.buffer = buffer;
    this.position = position;
  }

  /** The file offset just past the buffer's bytes. */
  long end() {
    return position + buffer.limit();
  }

  /** Whether nobody has started writing it yet. */
  synchronized boolean unstarted() {
    return state == State.NEW;
  }

  /**
   * Writes the buffer unless another thread is writing it; then waits for that. A write that fails
   * throws to the thread that made it and leaves the rest of the buffer to the next caller, which
   * tries again where it stopped (the disk may have room again).
   */
  void writeOrAwait() throws IOException {
    synchronized (this) {
      while (state == State.RUNNING) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while a pack buffer was being written", e);
        }
      }
      if (state == State.DONE) {
        return;
      }
      state = State.RUNNING;
    }
    boolean written = false;
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer, position + buffer.position());
      }
      written = true;
    } finally {
      synchronized (this) {
        state = written ? State.DONE : State.NEW;
        notifyAll();
      }
    }
  }

  /** The buffer, once written, for reuse. */
  ByteBuffer buffer() {
    return buffer;
  }
}

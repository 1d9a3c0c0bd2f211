package io.strata.client;

import io.strata.protocol.FrameType;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The frames the server sent on one stream, from the connection's reader to the thread that made
 * the request. At most {@link #WINDOW} bytes of DATA wait here: a caller that reads slowly holds up
 * the reader (and through TCP the server) rather than filling memory. The protocol has no flow
 * control per stream, so while one stream's caller lags, the others' frames wait behind it.
 */
final class StreamInbox {
  /** DATA bytes waiting for the caller at most: two of the server's half-MiB writes. */
  static final int WINDOW = 1 << 20;

  private final int stream;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<InboundFrame> frames = new ArrayDeque<>();
  private long queued;
  private volatile boolean answered;
  private StrataClientException failure;
  private boolean abandoned;

  StreamInbox(int stream) {
    this.stream = stream;
  }

  int stream() {
    return stream;
  }

  /** Whether the stream's RESPONSE has arrived (an upload stops sending then). */
  boolean answered() {
    return answered;
  }

  /**
   * Queues a frame the reader received; its payload must be its own. Waits while a DATA frame would
   * take more than {@link #WINDOW}, unless nothing is queued (a frame is never refused for its size
   * alone). Frames of an abandoned stream are dropped.
   */
  void deliver(InboundFrame f) throws InterruptedException {
    lock.lock();
    try {
      if (f.type() == FrameType.RESPONSE) {
        answered = true;
      }
      while (f.type() == FrameType.DATA
          && !abandoned
          && failure == null
          && queued > 0
          && queued + f.length() > WINDOW) {
        changed.await();
      }
      if (abandoned || failure != null) {
        return;
      }
      frames.add(f);
      queued += f.length();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The connection failed: once what is queued is taken, {@link #take} throws {@code e}. */
  void fail(StrataClientException e) {
    lock.lock();
    try {
      if (failure == null) {
        failure = e;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The caller gave up on the stream: what is queued and what still comes is dropped. */
  void abandon() {
    lock.lock();
    try {
      abandoned = true;
      frames.clear();
      queued = 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next frame of the stream, waiting for it; the connection's failure (as an exception of this
   * caller's own) once nothing is queued.
   */
  InboundFrame take() throws IOException {
    lock.lock();
    try {
      while (frames.isEmpty()) {
        if (failure != null) {
          throw new StrataClientException(
              failure.status(), failure.getMessage(), failure.getCause());
        }
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for stream " + stream);
        }
      }
      InboundFrame f = frames.poll();
      queued -= f.length();
      changed.signalAll();
      return f;
    } finally {
      lock.unlock();
    }
  }
}

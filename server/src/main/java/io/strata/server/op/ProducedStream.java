package io.strata.server.op;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The bytes an engine call writes to an {@link OutputStream} (an export, a build log), read as an
 * {@link InputStream} by a download. The call runs on a thread of its own and hands bytes over
 * through a bounded buffer, so it blocks while the client reads slowly and never holds more than
 * the buffer. A failure of the call is rethrown, as it was, by the read that reaches it; closing
 * the stream early (the client cancelled or went away) makes the call's next write fail, which
 * stops it.
 */
final class ProducedStream extends InputStream implements Readiness {
  /** Writes the whole output; runs on the producer thread. */
  @FunctionalInterface
  interface Producer {
    void writeTo(OutputStream out) throws IOException;
  }

  private final String what;
  private final ByteRing ring;
  private boolean done;
  private boolean closed;
  private Throwable failure;
  private Runnable waiter;

  private ProducedStream(String what, int capacity) {
    this.what = what;
    this.ring = new ByteRing(capacity);
  }

  /**
   * Starts {@code producer} on a thread of {@code threads}; {@code what} names the output in
   * messages, {@code capacity} bounds the bytes in between.
   */
  static ProducedStream start(Executor threads, String what, int capacity, Producer producer) {
    ProducedStream s = new ProducedStream(what, capacity);
    threads.execute(s.run(producer));
    return s;
  }

  private Runnable run(Producer producer) {
    return () -> {
      Throwable failed = null;
      try (OutputStream out = new Sink()) {
        producer.writeTo(out);
      } catch (IOException | RuntimeException | Error e) {
        failed = e;
      }
      synchronized (this) {
        done = true;
        failure = failed;
        wake();
      }
    };
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (ring.isEmpty() && !done && !closed) {
      await();
    }
    if (closed) {
      throw new IOException(what + ": the stream is closed");
    }
    if (ring.isEmpty()) {
      rethrowFailure();
      return -1;
    }
    int n = ring.take(b, off, len);
    notifyAll();
    return n;
  }

  @Override
  public synchronized boolean ready(Runnable whenReady) {
    if (!ring.isEmpty() || done || closed) {
      return true;
    }
    if (whenReady != null) {
      waiter = whenReady;
    }
    return false;
  }

  /**
   * Wakes a blocked reader and a download waiting for bytes; called with the lock held. The waiter
   * only schedules the download, so running it here blocks no one.
   */
  private void wake() {
    notifyAll();
    Runnable w = waiter;
    waiter = null;
    if (w != null) {
      w.run();
    }
  }

  @Override
  public synchronized int available() {
    return ring.size();
  }

  /** Stops the producer at its next write; what it wrote is dropped. */
  @Override
  public synchronized void close() {
    closed = true;
    wake();
  }

  private void rethrowFailure() throws IOException {
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + ": interrupted");
    }
  }

  /** The producer's end. */
  private final class Sink extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      synchronized (ProducedStream.this) {
        while (len > 0) {
          while (ring.isFull() && !closed) {
            await();
          }
          if (closed) {
            throw new IOException(what + ": the client stopped reading");
          }
          int n = ring.put(b, off, len);
          off += n;
          len -= n;
          wake();
        }
      }
    }
  }

  /** A line consumer over {@code out}, for engine calls that log (UTF-8, one line per call). */
  static Consumer<String> lines(OutputStream out) {
    return line -> {
      try {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}

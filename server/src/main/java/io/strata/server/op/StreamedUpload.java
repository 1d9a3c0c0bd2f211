package io.strata.server.op;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * An upload the engine reads while it arrives: the work runs on a thread of its own and reads the
 * bytes through a bounded ring, so receiving and storing overlap instead of following each other (a
 * spool written whole, then read). A plain layer tar needs nothing from its end to be read from its
 * start, so it needs no spool.
 *
 * <p>{@link #write} waits while the ring is full: that is the upload's back-pressure, since the
 * thread it holds grants no more of the window. That thread is one of the upload's own ({@link
 * #deliveries}), never the engine's: the work may wait on the image store's lock, held by another
 * import that waits for its own bytes. {@link #finish} ends the input and waits for the work's
 * outcome. {@link #abort} makes the work's next read fail, so it keeps nothing, and waits for it to
 * stop. Input the work leaves unread (the zeros after a tar's end blocks) is read and dropped, so
 * the sender never waits on a reader that has gone.
 */
final class StreamedUpload implements UploadSink {
  /**
   * What reads the upload: runs on the upload's own thread, {@code in} ends at the upload's END.
   */
  @FunctionalInterface
  interface Work {
    Outcome readFrom(InputStream in) throws IOException;
  }

  private final String what;
  private final Executor threads;
  private final ByteRing ring;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private boolean ended;
  private IOException cancelled;
  private boolean workDone;

  private StreamedUpload(String what, Executor threads, int capacity) {
    this.what = what;
    this.threads = threads;
    this.ring = new ByteRing(capacity);
  }

  /**
   * Starts {@code work} on a thread of {@code threads}, reading an upload named {@code what} in
   * messages through a ring of {@code capacity} bytes.
   */
  static StreamedUpload start(Executor threads, String what, int capacity, Work work) {
    StreamedUpload u = new StreamedUpload(what, threads, capacity);
    threads.execute(u.run(work));
    return u;
  }

  private Runnable run(Work work) {
    return () -> {
      try (InputStream in = new Input()) {
        Outcome o = work.readFrom(in);
        in.transferTo(OutputStream.nullOutputStream());
        outcome.complete(o);
      } catch (IOException | RuntimeException | Error e) {
        outcome.completeExceptionally(e);
      } finally {
        synchronized (this) {
          workDone = true;
          notifyAll();
        }
      }
    };
  }

  /** The upload's threads: {@link #write} and {@link #finish} wait on the work. */
  @Override
  public Executor deliveries() {
    return threads;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    synchronized (this) {
      while (len > 0) {
        while (ring.isFull() && !workDone) {
          await();
        }
        if (workDone) {
          break; // it failed: finish() reports why
        }
        int n = ring.put(b, off, len);
        off += n;
        len -= n;
        notifyAll();
      }
    }
    if (outcome.isCompletedExceptionally()) {
      throw failure(); // stop the upload now rather than at its END
    }
  }

  @Override
  public Outcome finish() throws IOException {
    synchronized (this) {
      ended = true;
      notifyAll();
    }
    try {
      return outcome.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + ": interrupted while the upload was stored");
    } catch (ExecutionException e) {
      throw failure();
    }
  }

  @Override
  public void abort() {
    synchronized (this) {
      cancelled = new IOException(what + ": the upload was cancelled");
      notifyAll();
    }
    try {
      outcome.handle((o, e) -> null).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // handle() never completes exceptionally
    }
  }

  /** The work's failure, rethrown as it was. */
  private IOException failure() throws IOException {
    try {
      outcome.getNow(null);
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(what + ": " + c, c);
    }
    return new IOException(what + ": the upload's work ended without a result");
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + ": interrupted");
    }
  }

  /** The work's side of the ring. */
  private final class Input extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      synchronized (StreamedUpload.this) {
        while (ring.isEmpty() && !ended && cancelled == null) {
          await();
        }
        if (cancelled != null) {
          throw cancelled;
        }
        if (ring.isEmpty()) {
          return -1;
        }
        int n = ring.take(b, off, len);
        StreamedUpload.this.notifyAll();
        return n;
      }
    }
  }
}

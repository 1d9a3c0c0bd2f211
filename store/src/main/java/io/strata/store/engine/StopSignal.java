package io.strata.store.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Asks long background work (a registry's recipe jobs and imports) to stop between its steps, for a
 * server's stop. Interrupting it instead is no way to stop it: a thread interrupted inside
 * FileChannel I/O has Java close the channel, and when that is the store's open pack, the pack is
 * closed under the store, its last chunks dropped as after a failed fsync. The work reads its input
 * through {@link #guard}: the next read after {@link #raise} throws {@link Stopped}, from the
 * work's own thread, between two writes, and the work ends as after any failed read (nothing
 * committed, its input left for the next start).
 *
 * <pre>
 *   StopSignal stop = new StopSignal();
 *   try (InputStream in = stop.guard(Files.newInputStream(file), "blob " + d)) { ... }
 *   stop.raise();                 // at stop: the reader ends at its next read, with Stopped
 * </pre>
 *
 * Thread-safe.
 */
public final class StopSignal {
  /** A work ended by {@link #raise}: not a failure of it or of its input; it resumes later. */
  public static final class Stopped extends InterruptedIOException {
    private static final long serialVersionUID = 1L;

    Stopped(String what, String why) {
      super(what + ": stopped, " + why);
    }
  }

  private volatile boolean raised;
  private volatile String why = "the server stops";

  /** Asks every work reading through this signal's guards to stop at its next read. */
  public void raise() {
    raised = true;
  }

  /** {@link #raise}, for {@code why} (what {@link Stopped} says instead of the server's stop). */
  public void raise(String why) {
    this.why = why;
    raised = true;
  }

  /** Whether {@link #raise} was called. */
  public boolean raised() {
    return raised;
  }

  /** Throws {@link Stopped} naming {@code what} once raised: a check between two steps. */
  public void check(String what) throws Stopped {
    if (raised) {
      throw new Stopped(what, why);
    }
  }

  /** {@code in}, whose every read first checks this signal ({@link #check}). */
  public InputStream guard(InputStream in, String what) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        check(what);
        return super.read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        check(what);
        return super.read(b, off, len);
      }

      @Override
      public long skip(long n) throws IOException {
        check(what);
        return super.skip(n);
      }
    };
  }

  /**
   * Whether {@code t} (or one of its causes) says a work was stopped or interrupted rather than
   * failed: {@link Stopped}, an interrupted wait or I/O (not a socket's timeout). Such a work is
   * neither a failure of its input (a tar is not corrupt for being read by an interrupted thread)
   * nor a reason to give the work up: it is to be done again.
   */
  public static boolean stopped(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof InterruptedIOException && !(c instanceof SocketTimeoutException)
          || c instanceof ClosedByInterruptException
          || c instanceof InterruptedException) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}

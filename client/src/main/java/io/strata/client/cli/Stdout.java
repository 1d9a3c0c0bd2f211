package io.strata.client.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The process's standard output as raw bytes. A write that fails because the reader went away
 * ({@code strata blob get D | head}: EPIPE) throws {@link Closed}, which the CLI ends quietly on,
 * as Unix tools end on SIGPIPE, rather than printing "Broken pipe".
 */
final class Stdout extends FilterOutputStream {
  /** Standard output was closed by its reader. */
  static final class Closed extends IOException {
    private static final long serialVersionUID = 1L;

    Closed(IOException cause) {
      super("standard output was closed: " + cause.getMessage(), cause);
    }
  }

  Stdout(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    try {
      out.write(b);
    } catch (IOException e) {
      throw closed(e);
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw closed(e);
    }
  }

  @Override
  public void flush() throws IOException {
    try {
      out.flush();
    } catch (IOException e) {
      throw closed(e);
    }
  }

  /**
   * The first failure other than a broken pipe, or null. Text goes through a {@link
   * java.io.PrintStream}, which keeps its errors to itself: a listing written to a full disk would
   * otherwise end with exit 0 and a cut file (AA5 in docs/ADVERSARIAL.md).
   */
  private volatile IOException failure;

  /**
   * Writing standard output failed other than by a broken pipe (a full disk): said as such, where
   * the bare "No space left on device" of a download did not say which file.
   */
  static final class Failed extends IOException {
    private static final long serialVersionUID = 1L;

    Failed(IOException cause) {
      super("cannot write standard output: " + cause.getMessage(), cause);
    }
  }

  /**
   * A broken pipe becomes {@link Closed}; other failures (a full disk) become {@link Failed} and
   * are remembered for {@link #checked}.
   */
  private IOException closed(IOException e) {
    if (e instanceof Closed || e instanceof Failed) {
      return e;
    }
    String m = e.getMessage();
    if (m != null && m.contains("Broken pipe")) {
      return new Closed(e);
    }
    if (failure == null) {
      failure = e;
    }
    return new Failed(e);
  }

  /**
   * {@code code}, or a failure (exit 1, said on stderr) when it is a success but writing standard
   * output failed: flushes it first.
   */
  static int checked(Terminal terminal, int code) {
    terminal.out().flush();
    if (code == ExitStatus.OK && terminal.stdout() instanceof Stdout s && s.failure != null) {
      terminal.err().println("strata: cannot write standard output: " + s.failure.getMessage());
      return ExitStatus.FAILED;
    }
    return code;
  }

  /** Whether {@code e} or one of its causes is {@link Closed}. */
  static boolean closedBy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof Closed) {
        return true;
      }
    }
    return false;
  }
}

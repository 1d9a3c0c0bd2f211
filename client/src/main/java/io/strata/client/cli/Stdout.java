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

  /** A broken pipe becomes {@link Closed}; other failures (a full disk) stay what they are. */
  private static IOException closed(IOException e) {
    String m = e.getMessage();
    return m != null && m.contains("Broken pipe") ? new Closed(e) : e;
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

package io.strata.store.hosts;

import io.strata.store.error.RejectedException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What another host sends us, written on up to a limit: a plan, a chunk list or a batch of chunk
 * records from a peer that sends more than it could need is refused (REJECTED) before it fills our
 * memory or disk.
 */
public final class CappedOutputStream extends FilterOutputStream {
  private final long limit;
  private final String what;
  private long written;

  public CappedOutputStream(OutputStream out, long limit, String what) {
    super(out);
    this.limit = limit;
    this.what = what;
  }

  @Override
  public void write(int b) throws IOException {
    count(1);
    out.write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    count(len);
    out.write(b, off, len);
  }

  private void count(int n) {
    written += n;
    if (written > limit) {
      throw new RejectedException(what + " is larger than " + limit + " bytes");
    }
  }
}

package io.strata.server.op;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts what a download sent, for its closing RESPONSE; keeps its source's {@link Readiness}. */
final class CountingStream extends FilterInputStream implements Readiness {
  private long count;

  CountingStream(InputStream in) {
    super(in);
  }

  @Override
  public boolean ready(Runnable whenReady) {
    return !(in instanceof Readiness r) || r.ready(whenReady);
  }

  /** Bytes read so far. */
  long count() {
    return count;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      count += n;
    }
    return n;
  }
}

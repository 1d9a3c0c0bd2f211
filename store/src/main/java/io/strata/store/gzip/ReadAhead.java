package io.strata.store.gzip;

import io.strata.store.error.StrataException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ExecutorService;
import org.apache.commons.io.input.ReadAheadInputStream;

/**
 * An input read ahead on another thread, whose failures reach the reader as they were thrown.
 * commons-io's {@link ReadAheadInputStream} wraps an unchecked exception of its reading thread in a
 * plain {@link IOException} whose message is the class name and text of the exception: the store's
 * own errors (a pack record failing its checksum, a missing pack) lost their type, so the status
 * they map to, and the user read {@code I/O error on the server:
 * io.strata.store.error.CorruptDataException: ...} for damage.
 */
final class ReadAhead extends FilterInputStream {
  private ReadAhead(InputStream in) {
    super(in);
  }

  /** {@code in} read ahead by up to {@code bufferSize} bytes on a thread of {@code threads}. */
  static InputStream of(InputStream in, int bufferSize, ExecutorService threads)
      throws IOException {
    return new ReadAhead(
        ReadAheadInputStream.builder()
            .setInputStream(in)
            .setBufferSize(bufferSize)
            .setExecutorService(threads)
            .get());
  }

  @Override
  public int read() throws IOException {
    try {
      return in.read();
    } catch (IOException e) {
      throw typed(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return in.read(b, off, len);
    } catch (IOException e) {
      throw typed(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      return in.skip(n);
    } catch (IOException e) {
      throw typed(e);
    }
  }

  /**
   * The store's error {@code e} wraps, thrown as it is; else {@code e}. Only a bare wrapper is
   * unwrapped: an IOException of its own (a subclass, or one with words of its own) says more.
   */
  static IOException typed(IOException e) {
    if (e.getClass() == IOException.class
        && e.getCause() instanceof StrataException s
        && String.valueOf(e.getMessage()).equals(s.toString())) {
      throw s;
    }
    return e;
  }
}

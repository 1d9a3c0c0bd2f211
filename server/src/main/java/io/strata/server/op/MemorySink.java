package io.strata.server.op;

import io.strata.store.error.InvalidArgumentException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A small upload (a transfer plan, a list of chunks) kept in memory up to a limit; more is refused
 * as soon as it arrives, so a peer cannot make the server buffer without bound.
 */
final class MemorySink implements UploadSink {
  /** What happens to the complete upload. */
  @FunctionalInterface
  interface Next {
    Outcome accept(byte[] upload) throws IOException;
  }

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final int limit;
  private final String what;
  private final Next next;

  MemorySink(int limit, String what, Next next) {
    this.limit = limit;
    this.what = what;
    this.next = next;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (bytes.size() + (long) len > limit) {
      throw new InvalidArgumentException(what + " is larger than " + limit + " bytes");
    }
    bytes.write(b, off, len);
  }

  @Override
  public Outcome finish() throws IOException {
    return next.accept(bytes.toByteArray());
  }

  @Override
  public void abort() {
    bytes.reset();
  }
}

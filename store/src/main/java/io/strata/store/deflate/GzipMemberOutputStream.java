package io.strata.store.deflate;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A gzip member being written by one particular compressor, header to trailer: what a recipe
 * regenerates a blob with. {@link #finish} ends the member without closing the stream below.
 */
public abstract class GzipMemberOutputStream extends OutputStream {
  /** Ends the member (last block, CRC-32, length) without closing the underlying stream. */
  public abstract void finish() throws IOException;

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }
}

package io.strata.store.gzip;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The uncompressed bytes of the first gzip member of a file. A damaged or truncated member is
 * {@link Unreadable}, kept apart from failures of whatever consumes the bytes.
 */
final class Inflated implements AutoCloseable {
  /** The deflate data cannot be inflated: the blob has no recipe. */
  static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }
  }

  private final InputStream file;
  private final Inflater inflater = new Inflater(true);
  private final InflaterInputStream in;

  Inflated(GzipRecipes.Source source, int headerLength) throws IOException {
    file = new BufferedInputStream(source.open(), 64 << 10);
    file.skipNBytes(headerLength);
    in = new InflaterInputStream(file, inflater, 64 << 10);
  }

  /** Reads up to len uncompressed bytes; -1 at the end of the deflate data. */
  int read(byte[] b, int off, int len) throws Unreadable, IOException {
    try {
      return in.read(b, off, len);
    } catch (ZipException | EOFException e) {
      throw new Unreadable("deflate data: " + e.getMessage());
    }
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    file.close();
  }
}

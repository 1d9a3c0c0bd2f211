package io.strata.server.op;

import io.strata.store.error.CorruptDataException;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bytes {@code [offset, offset + length)} of a file inside a container, read positionally as the
 * download asks for them, so neither the file nor the range is ever held whole. Damage met on the
 * way is named with the container and the file ({@link ContainerDamage}).
 */
final class FileRangeStream extends InputStream {
  private final String container;
  private final FileSystemView fs;
  private final String path;
  private long pos;
  private long left;

  /**
   * {@code length} bytes at most from {@code offset} of {@code path} in {@code fs}, the view of
   * container {@code container} (as the request named it); a negative {@code length}: to the end.
   */
  FileRangeStream(String container, FileSystemView fs, String path, long offset, long length) {
    this.container = container;
    this.fs = fs;
    this.path = path;
    this.pos = offset;
    this.left = length < 0 ? Long.MAX_VALUE : length;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (left == 0) {
      return -1;
    }
    int n;
    try {
      n = fs.read(path, pos, b, off, (int) Math.min(len, left));
    } catch (CorruptDataException e) {
      throw ContainerDamage.at(container, path, e);
    }
    if (n <= 0) {
      left = 0;
      return -1;
    }
    pos += n;
    left -= n;
    return n;
  }
}

package io.strata.store.image.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A tar stream whose end, if it stops short of a 512-byte record boundary, is made up with zeros,
 * as Go's archive/tar (and so docker and containerd) accepts: {@code umoci insert} writes layers
 * that end right after the last file's bytes. The zeros are the parser's only; they sit after the
 * recorder, so the tar-split, and the tar regenerated from it, keep the layer's exact bytes.
 *
 * <p>Only padding is made up, never content: a stream that ends before the content of the entry
 * being read does ({@link #contentEndsAt}) is a truncated tar, as Go's reader says {@code
 * unexpected EOF}. Zeros in its place stored files with invented bytes (docs/ADVERSARIAL.md, AO1).
 */
final class RecordPadding extends FilterInputStream {
  private static final int RECORD = 512;
  private long count;
  private int padding = -1;
  private long contentEnd;

  RecordPadding(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (padding < 0) {
      int n = in.read(b, off, len);
      if (n >= 0) {
        count += n;
        return n;
      }
      if (count < contentEnd) {
        throw new IOException(
            "the stream ends at byte "
                + count
                + ", inside the content of an entry that ends at byte "
                + contentEnd);
      }
      padding = (int) ((RECORD - count % RECORD) % RECORD);
    }
    if (padding == 0) {
      return -1;
    }
    int n = Math.min(len, padding);
    Arrays.fill(b, off, off + n, (byte) 0);
    padding -= n;
    return n;
  }

  /** The entry whose header was just read has content up to byte {@code end} of the stream. */
  void contentEndsAt(long end) {
    contentEnd = end;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public int available() throws IOException {
    return padding > 0 ? padding : padding == 0 ? 0 : in.available();
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}

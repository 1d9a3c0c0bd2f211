package io.strata.store.image.layer;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * A layer's tar compressed with a {@link LayerCodec} as it is read, in bounded memory (the
 * compressor's state and what one piece of input yields). An export reads it twice: once to learn
 * the blob's digest and length, which the manifest names before the bytes, then to write it; the
 * second time the digest is checked before the last bytes are given out.
 */
public final class CompressedLayerStream extends InputStream {
  private static final int PIECE = 64 << 10;

  private final InputStream tar;
  private final Digest expected;
  private final String what;
  private final MessageDigest sha = Digest.newSha256();
  private final OutputStream compressor;
  private final byte[] in = new byte[PIECE];
  private byte[] buf = new byte[PIECE * 2];
  private int start;
  private int end;
  private long produced;
  private boolean ended;

  /** Output of the compressor not yet read, hashed as it comes. */
  private final class Pending extends OutputStream {
    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (end + len > buf.length) {
        if (end - start + len > buf.length) {
          buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, end - start + len));
        }
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      System.arraycopy(b, off, buf, end, len);
      end += len;
      sha.update(b, off, len);
      produced += len;
    }

    @Override
    public void close() {
      // the compressor closing its sink ends nothing here
    }
  }

  /**
   * @param expected the digest the compressed bytes must have (null: not checked)
   */
  public CompressedLayerStream(InputStream tar, LayerCodec codec, Digest expected, String what)
      throws IOException {
    this.tar = tar;
    this.expected = expected;
    this.what = what;
    this.compressor = codec.wrap(new Pending());
  }

  /** The digest and length of everything read so far (all of it, once read to the end). */
  public Digest digest() {
    return Digest.of(sha.digest());
  }

  public long produced() {
    return produced;
  }

  @Override
  public int available() {
    return end - start;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (start == end) {
      if (ended) {
        return -1;
      }
      fill();
    }
    int n = Math.min(len, end - start);
    System.arraycopy(buf, start, b, off, n);
    start += n;
    return n;
  }

  private void fill() throws IOException {
    int n = tar.read(in, 0, in.length);
    if (n > 0) {
      compressor.write(in, 0, n);
      return;
    }
    if (n == 0) {
      return;
    }
    compressor.close();
    ended = true;
    if (expected != null) {
      Digest got = Digest.of(((MessageDigest) cloneSha()).digest());
      if (!got.equals(expected)) {
        start = end;
        throw new CorruptDataException(
            what + ": compressed again it has digest " + got + ", not " + expected, what);
      }
    }
  }

  private Object cloneSha() throws IOException {
    try {
      return sha.clone();
    } catch (CloneNotSupportedException e) {
      throw new IOException("SHA-256 cannot be cloned", e);
    }
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }
}

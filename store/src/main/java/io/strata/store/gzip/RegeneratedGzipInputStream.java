package io.strata.store.gzip;

import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * A gzip blob regenerated from its uncompressed contents and its recipe, as it is read: memory is
 * the compressor's window and the bytes one piece of input yields. The last bytes are given out
 * only once the whole blob hashed to its digest and has its length, so a reader never receives a
 * complete blob that is not the one stored.
 */
public final class RegeneratedGzipInputStream extends InputStream {
  private static final int PIECE = 64 << 10;

  private final InputStream uncompressed;
  private final GzipRecipe recipe;
  private final Digest digest;
  private final String name;
  private final MessageDigest sha = Digest.newSha256();
  private final Pending pending = new Pending();
  private final GoGzipOutputStream gz;
  private final byte[] in = new byte[PIECE];
  private long produced;
  private boolean ended;

  /** Output of the compressor not yet read, hashed as it is produced. */
  private final class Pending extends OutputStream {
    private byte[] buf = new byte[PIECE * 2];
    private int start;
    private int end;

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
  }

  /**
   * @param uncompressed the blob's uncompressed contents, closed with this stream
   * @param name how errors name the blob
   */
  public RegeneratedGzipInputStream(
      InputStream uncompressed, GzipRecipe recipe, Digest digest, String name) throws IOException {
    this.uncompressed = uncompressed;
    this.recipe = recipe;
    this.digest = digest;
    this.name = name;
    this.gz = new GoGzipOutputStream(pending, recipe.level(), recipe.header());
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
    while (pending.start == pending.end) {
      if (ended) {
        return -1;
      }
      fill();
    }
    int n = Math.min(len, pending.end - pending.start);
    System.arraycopy(pending.buf, pending.start, b, off, n);
    pending.start += n;
    return n;
  }

  private void fill() throws IOException {
    int n = uncompressed.read(in, 0, in.length);
    if (n > 0) {
      gz.write(in, 0, n);
      return;
    }
    if (n == 0) {
      return;
    }
    gz.finish();
    ended = true;
    Digest got = Digest.of(sha.digest());
    if (!got.equals(digest) || produced != recipe.size()) {
      pending.start = pending.end;
      throw new CorruptDataException(
          name
              + ": regenerated with "
              + recipe.label()
              + " it has digest "
              + got
              + " and "
              + produced
              + " bytes, not "
              + digest
              + " and "
              + recipe.size(),
          name);
    }
  }

  @Override
  public void close() throws IOException {
    uncompressed.close();
  }
}

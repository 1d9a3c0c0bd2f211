package io.strata.perf.data;

import io.strata.store.digest.Digest;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A stream of {@code size} text-like bytes made up as they are read, never held whole: input for a
 * put larger than the heap. It hashes what it hands out, so once read to the end, {@link #digest}
 * is the SHA-256 a faithful store must give back.
 */
public final class GeneratedStream extends InputStream {
  private final TextSource source;
  private final MessageDigest sha = Digest.newSha256();
  private final long size;
  private long pos;
  private Digest digest;

  /** A stream of {@code size} bytes; the same seed gives the same bytes. */
  public GeneratedStream(long size, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("generated stream: size " + size + " is negative");
    }
    this.source = new TextSource(seed);
    this.size = size;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (pos == size) {
      return -1;
    }
    int n = (int) Math.min(len, size - pos);
    source.fill(b, off, n);
    sha.update(b, off, n);
    pos += n;
    return n;
  }

  /** The SHA-256 of the whole stream; only once it has been read to the end. */
  public Digest digest() {
    if (pos != size) {
      throw new IllegalStateException("generated stream: read " + pos + " of " + size + " bytes");
    }
    if (digest == null) {
      digest = Digest.of(sha.digest());
    }
    return digest;
  }
}

package io.strata.files.pax;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The stream under a tar parser: passes its reads through, keeping a copy of the content of the
 * metadata entry (a PAX header, a GNU long name) whose header it has just read, whose bytes follow
 * that header. The parser reads that content whole and gives out only its decoded form (PAX values
 * as UTF-8 text); the copy keeps the exact bytes. Skipped bytes are read while a copy is being
 * made, so the copy holds them too.
 *
 * <p>The parser's {@code isEOFRecord}, called with each header record before it is parsed, is where
 * a reader calls {@link #take} (the content of the header before, once read whole) and {@link
 * #start} (for this header's content).
 */
public final class HeaderCapture extends FilterInputStream {
  private byte[] content;
  private int have;

  public HeaderCapture(InputStream in) {
    super(in);
  }

  /**
   * Whether a header of type {@code type} is metadata for the entry after it, its content what this
   * keeps: a GNU long name or link ({@code L}, {@code K}), a PAX header of the entry ({@code x}) or
   * a global one ({@code g}).
   */
  public static boolean isMetadata(byte type) {
    return type == 'L' || type == 'K' || type == 'x' || type == 'g';
  }

  /** Keeps the next {@code size} bytes read. */
  public void start(int size) {
    content = new byte[size];
    have = 0;
  }

  /** What {@link #start} asked for, if it was read whole, else null; forgets it. */
  public byte[] take() {
    byte[] c = content != null && have == content.length ? content : null;
    content = null;
    return c;
  }

  /** What {@link #start} asked for, if read whole so far, else null; kept for {@link #take}. */
  public byte[] captured() {
    return content != null && have == content.length ? content : null;
  }

  private boolean capturing() {
    return content != null && have < content.length;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0 && capturing()) {
      content[have++] = (byte) b;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0 && capturing()) {
      int k = Math.min(n, content.length - have);
      System.arraycopy(b, off, content, have, k);
      have += k;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    if (!capturing() || n <= 0) {
      return in.skip(n);
    }
    byte[] buf = new byte[(int) Math.min(n, content.length - have)];
    int r = read(buf, 0, buf.length);
    return Math.max(r, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}

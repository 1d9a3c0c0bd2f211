package io.strata.client.tar;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * A tar reader that also gives each entry's extended attributes byte for byte ({@link #xattrs}):
 * the parser decodes PAX values as UTF-8, which mangles binary ones such as {@code
 * security.capability}, so the content of the entry's PAX header ({@code 'x'}) is kept as read and
 * its {@code SCHILY.xattr.*} records cut from it ({@link PaxXattrs}). A PAX header over {@link
 * #MAX_PAX} bytes is refused: the parser would hold it whole.
 */
final class XattrTarInputStream extends TarArchiveInputStream {
  /** The most bytes an entry's PAX header may hold (1 MiB, as the server allows). */
  static final int MAX_PAX = 1 << 20;

  private static final int TYPE = 156;

  private final Capture capture;
  private final String what;
  private byte[] pax;
  private Map<String, byte[]> xattrs = Map.of();

  XattrTarInputStream(InputStream in, String what) {
    this(new Capture(in), what);
  }

  private XattrTarInputStream(Capture in, String what) {
    super(in, "UTF-8"); // the server's names
    this.capture = in;
    this.what = what;
  }

  /** The extended attributes of the entry {@code getNextEntry} returned last: name to value. */
  Map<String, byte[]> xattrs() {
    return xattrs;
  }

  /** Called by the parser on each record it reads as a header, before parsing it. */
  @Override
  protected boolean isEOFRecord(byte[] record) {
    if (super.isEOFRecord(record)) {
      return true;
    }
    byte[] taken = capture.take();
    if (taken != null) {
      pax = taken; // the content of the 'x' header before this one
    }
    byte type = record[TYPE];
    if (type == 'x') {
      long size = TarUtils.parseOctalOrBinary(record, 124, 12);
      if (size > MAX_PAX) {
        throw new IllegalStateException(
            what
                + ": a PAX header holds "
                + size
                + " bytes, more than the "
                + MAX_PAX
                + " allowed");
      }
      capture.start((int) Math.max(size, 0));
    } else if (type != 'L' && type != 'K' && type != 'g') {
      xattrs = pax == null ? Map.of() : PaxXattrs.scan(pax, pax.length);
      pax = null;
    }
    return false;
  }

  /** Passes reads through, keeping a copy of the content of the PAX header just read. */
  private static final class Capture extends FilterInputStream {
    private byte[] content;
    private int have;

    Capture(InputStream in) {
      super(in);
    }

    void start(int size) {
      content = new byte[size];
      have = 0;
    }

    /** What {@link #start} asked for, if read whole, else null; forgets it. */
    byte[] take() {
      byte[] c = content != null && have == content.length ? content : null;
      content = null;
      return c;
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
}

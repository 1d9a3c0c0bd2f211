package io.strata.client.tar;

import io.strata.files.pax.EntryXattrs;
import io.strata.files.pax.HeaderCapture;
import java.io.InputStream;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * A tar reader that also gives each entry's extended attributes byte for byte ({@link #xattrs}):
 * the parser decodes PAX values as UTF-8, which mangles binary ones such as {@code
 * security.capability}, so the content of the entry's PAX header ({@code 'x'}) is kept as read
 * ({@link HeaderCapture}) and its {@code SCHILY.xattr.*} records cut from it ({@link EntryXattrs}),
 * as the server's reader of tars does. A PAX header over {@link #MAX_PAX} bytes is refused: the
 * parser would hold it whole.
 */
final class XattrTarInputStream extends TarArchiveInputStream {
  /** The most bytes an entry's PAX header may hold (1 MiB, as the server allows). */
  static final int MAX_PAX = 1 << 20;

  private static final int TYPE = 156;

  private final HeaderCapture capture;
  private final String what;
  private final EntryXattrs xattrs = new EntryXattrs();

  XattrTarInputStream(InputStream in, String what) {
    this(new HeaderCapture(in), what);
  }

  private XattrTarInputStream(HeaderCapture in, String what) {
    super(in, "UTF-8"); // the server's names
    this.capture = in;
    this.what = what;
  }

  /** The extended attributes of the entry {@code getNextEntry} returned last: name to value. */
  Map<String, byte[]> xattrs() {
    return xattrs.get();
  }

  /** Called by the parser on each record it reads as a header, before parsing it. */
  @Override
  protected boolean isEOFRecord(byte[] record) {
    if (super.isEOFRecord(record)) {
      return true;
    }
    byte type = record[TYPE];
    xattrs.header(type, capture.take()); // the content of the 'x' header before this one
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
    }
    return false;
  }
}

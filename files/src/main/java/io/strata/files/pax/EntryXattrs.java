package io.strata.files.pax;

import java.util.Map;

/**
 * Each entry's extended attributes byte for byte, as a tar is read: told the type of every header
 * and the content of the one before ({@link HeaderCapture}), it keeps the content of the entry's
 * own PAX header ({@code 'x'}) until the entry's header comes, then cuts the {@code SCHILY.xattr.*}
 * records from it ({@link PaxXattrs}). The parser's values went through UTF-8, which mangles binary
 * ones such as {@code security.capability}.
 */
public final class EntryXattrs {
  private byte previousType;

  /** The content of the entry's own PAX header, read whole, until its entry. */
  private byte[] pax;

  private Map<String, byte[]> xattrs = Map.of();

  /**
   * Takes a header of type {@code type} before the parser reads it; {@code content} is the content
   * of the header before, if it was captured and read whole (else null).
   */
  public void header(byte type, byte[] content) {
    if (previousType == 'x' && content != null) {
      pax = content;
    }
    previousType = type;
    if (!HeaderCapture.isMetadata(type)) {
      xattrs = pax == null ? Map.of() : PaxXattrs.scan(pax, pax.length);
      pax = null;
    }
  }

  /** The extended attributes of the entry whose header came last: name to exact value. */
  public Map<String, byte[]> get() {
    return xattrs;
  }
}

package io.strata.files.pax;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A PAX extended header (a {@code typeflag 'x'} entry) whose record values are written byte for
 * byte. commons-compress writes every PAX value as UTF-8 text, which mangles binary extended
 * attributes such as {@code security.capability}; Go's archive/tar (Docker, containerd) writes the
 * raw bytes, and so does this. Each record is {@code "LEN KEY=VALUE\n"}, LEN counting the whole
 * record in bytes, itself included.
 *
 * <p>{@link #forEntry} and {@link #putWith} write an entry with extended attributes as the
 * canonical layer tar has it: the server's layers ({@code LayerTarWriter}) and the client's tar of
 * a directory ({@code TreeTar}) must be the same bytes, for the server to hash a layer as it
 * arrives.
 */
public final class PaxHeader {
  private static final String XATTR = "SCHILY.xattr.";
  private static final long USTAR_MAX_SIZE = 077777777777L;
  private static final long USTAR_MAX_ID = 07777777L;

  private final ByteArrayOutputStream records = new ByteArrayOutputStream();

  /**
   * The header written before entry {@code e} when it has extended attributes: its name, its link
   * and every number the ustar header cannot hold, in this order; the attributes follow, sorted by
   * name ({@link #addXattr}). It holds all a reader needs, so that commons-compress writes no
   * header of its own (a reader keeps only the last one before an entry).
   */
  public static PaxHeader forEntry(TarArchiveEntry e) {
    PaxHeader pax = new PaxHeader().add("path", e.getName());
    if (!e.getLinkName().isEmpty()) {
      pax.add("linkpath", e.getLinkName());
    }
    if (e.getSize() > USTAR_MAX_SIZE) {
      pax.add("size", Long.toString(e.getSize()));
    }
    if (e.getLongUserId() > USTAR_MAX_ID) {
      pax.add("uid", Long.toString(e.getLongUserId()));
    }
    if (e.getLongGroupId() > USTAR_MAX_ID) {
      pax.add("gid", Long.toString(e.getLongGroupId()));
    }
    long mtime = e.getModTime().getTime() / 1000;
    if (mtime < 0 || mtime > USTAR_MAX_SIZE) {
      pax.add("mtime", Long.toString(mtime));
    }
    return pax;
  }

  /** Adds a record with a text value (UTF-8). */
  public PaxHeader add(String key, String value) {
    return add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Adds a record with {@code value}'s exact bytes. */
  public PaxHeader add(String key, byte[] value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int body = 1 + k.length + 1 + value.length + 1; // ' ', key, '=', value, '\n'
    int length = body + digits(body);
    length = body + digits(length); // one more digit can carry the total over a power of ten
    records.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
    records.writeBytes(k);
    records.write('=');
    records.writeBytes(value);
    records.write('\n');
    return this;
  }

  /** Adds extended attribute {@code name} as a {@code SCHILY.xattr.NAME} record, byte for byte. */
  public PaxHeader addXattr(String name, byte[] value) {
    return add(XATTR + name, value);
  }

  /** The records, as the header entry's content. */
  public byte[] bytes() {
    return records.toByteArray();
  }

  /**
   * Writes this header ({@link #forEntry}) and then {@code e}'s own header, whose ustar fields may
   * be cut: this one holds the name, link and numbers in full, and commons-compress must not add a
   * header of its own. The stream is left as {@link #useForLongValues} sets it.
   */
  public void putWith(TarArchiveOutputStream tar, TarArchiveEntry e) throws IOException {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
    tar.setAddPaxHeadersForNonAsciiNames(false);
    try {
      writeBefore(tar, e);
      tar.putArchiveEntry(e);
    } finally {
      useForLongValues(tar);
    }
  }

  /**
   * Has {@code tar} write a PAX header (of its own) for a long name or link, a number too large for
   * ustar, or a name that is not ASCII: the layer tar's form for an entry without attributes.
   */
  public static void useForLongValues(TarArchiveOutputStream tar) {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  /**
   * Writes the header as the entry before {@code entry}, named as Go names it ({@code
   * DIR/PaxHeaders.0/NAME}, cut to the ustar field).
   */
  public void writeBefore(TarArchiveOutputStream tar, TarArchiveEntry entry) throws IOException {
    String name = entry.getName();
    String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    int slash = trimmed.lastIndexOf('/');
    String headerName =
        trimmed.substring(0, slash + 1) + "PaxHeaders.0/" + trimmed.substring(slash + 1);
    // Readers ignore this name; kept ASCII and short of the field's 100 bytes (commons-compress
    // gives a name of 100 a PAX header of its own), it needs no header of its own.
    StringBuilder ascii = new StringBuilder();
    for (int i = 0; i < headerName.length() && ascii.length() < TarConstants.NAMELEN - 1; i++) {
      char c = headerName.charAt(i);
      ascii.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    headerName = ascii.toString();
    byte[] content = bytes();
    TarArchiveEntry x = new TarArchiveEntry(headerName, TarConstants.LF_PAX_EXTENDED_HEADER_LC);
    x.setSize(content.length);
    x.setUserName(entry.getUserName());
    x.setMode(0644);
    x.setModTime(entry.getModTime());
    tar.putArchiveEntry(x);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static int digits(int n) {
    return Integer.toString(n).length();
  }
}

package io.strata.client.tar;

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
 * <p>The twin of the server's {@code io.strata.store.image.layer.PaxHeader} (the client depends on
 * nothing of the store): a directory's tar ({@link TreeTar#writeLayer}) must be the server's
 * canonical layer tar byte for byte, xattr headers included, for the server to hash it as it
 * arrives.
 */
final class PaxHeader {
  private final ByteArrayOutputStream records = new ByteArrayOutputStream();

  /** Adds a record with a text value (UTF-8). */
  PaxHeader add(String key, String value) {
    return add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Adds a record with {@code value}'s exact bytes. */
  PaxHeader add(String key, byte[] value) {
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

  /** The records, as the header entry's content. */
  byte[] bytes() {
    return records.toByteArray();
  }

  /**
   * Writes the header as the entry before {@code entry}, named as Go names it ({@code
   * DIR/PaxHeaders.0/NAME}, cut to the ustar field).
   */
  void writeBefore(TarArchiveOutputStream tar, TarArchiveEntry entry) throws IOException {
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

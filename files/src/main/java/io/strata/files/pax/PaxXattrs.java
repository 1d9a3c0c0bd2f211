package io.strata.files.pax;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code SCHILY.xattr.NAME} records of an entry's PAX header, read from its raw bytes. The tar
 * parser decodes PAX values as UTF-8, which mangles binary attributes such as {@code
 * security.capability}; a PAX record carries its own length in bytes ({@code "LEN KEY=VALUE\n"}),
 * so the value's exact bytes can be cut from the header as it was read.
 */
public final class PaxXattrs {
  private static final byte[] KEY = "SCHILY.xattr.".getBytes(StandardCharsets.US_ASCII);

  private PaxXattrs() {}

  /**
   * Name to exact value of each xattr record in {@code raw[0, len)}, the last one winning. The
   * bytes may hold more than PAX records (the store keeps every header block an entry's headers
   * took), so records are found by their key, not read one after another; a malformed one ({@link
   * PaxRecord#at}) is skipped.
   */
  public static Map<String, byte[]> scan(byte[] raw, int len) {
    Map<String, byte[]> out = new HashMap<>();
    for (int at = indexOf(raw, len, 0); at >= 0; at = indexOf(raw, len, at + 1)) {
      // A record: digits, a space, then the key; its length counts from the first digit.
      if (at < 2 || raw[at - 1] != ' ') {
        continue;
      }
      int start = at - 1;
      while (start > 0 && raw[start - 1] >= '0' && raw[start - 1] <= '9') {
        start--;
      }
      PaxRecord r = PaxRecord.at(raw, start, len);
      if (r != null) {
        out.put(r.key().substring(KEY.length), r.value());
      }
    }
    return out;
  }

  private static int indexOf(byte[] raw, int len, int from) {
    outer:
    for (int i = from; i <= len - KEY.length; i++) {
      for (int k = 0; k < KEY.length; k++) {
        if (raw[i + k] != KEY[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}

package io.strata.files.pax;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

  /** Name to exact value of each xattr record in {@code raw[0, len)}, the last one winning. */
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
      if (start == at - 1) {
        continue;
      }
      long recordLength =
          Long.parseLong(new String(raw, start, at - 1 - start, StandardCharsets.US_ASCII));
      long end = start + recordLength; // one past the record's '\n'
      int eq = indexOfByte(raw, (byte) '=', at + KEY.length, (int) Math.min(end, len));
      if (end > len || eq < 0 || raw[(int) end - 1] != '\n') {
        continue;
      }
      String name = new String(raw, at + KEY.length, eq - at - KEY.length, StandardCharsets.UTF_8);
      out.put(name, Arrays.copyOfRange(raw, eq + 1, (int) end - 1));
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

  private static int indexOfByte(byte[] raw, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (raw[i] == b) {
        return i;
      }
    }
    return -1;
  }
}

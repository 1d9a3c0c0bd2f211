package io.strata.files.pax;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One record of a PAX extended header, read from its exact bytes: {@code "LEN KEY=VALUE\n"}, LEN
 * the decimal length in bytes of the whole record, itself included. The value is bytes, not text:
 * it may hold '=', newlines and any binary byte (an xattr), since the length, not a delimiter, says
 * where it ends. The one reader of PAX records beside the tar parser (which decodes values as
 * UTF-8): {@link PaxXattrs} and the store's sparse-size check use it.
 */
public final class PaxRecord {
  /** Digits beyond these would overflow a long: no real record is that long. */
  private static final int MAX_DIGITS = 18;

  private final byte[] raw;
  private final int eq;
  private final int keyStart;
  private final int end;

  private PaxRecord(byte[] raw, int keyStart, int eq, int end) {
    this.raw = raw;
    this.keyStart = keyStart;
    this.eq = eq;
    this.end = end;
  }

  /**
   * The record that starts at {@code start} of {@code raw[0, limit)}, or null when none does there:
   * LEN is not decimal digits followed by a space, the record it gives runs past {@code limit} or
   * does not end in '\n', or the record has no '=' (its key would be all of it). A record whose
   * length lies is refused so, not read with a cut or overlong value.
   */
  public static PaxRecord at(byte[] raw, int start, int limit) {
    int space = start;
    while (space < limit && raw[space] >= '0' && raw[space] <= '9') {
      space++;
    }
    if (space == start || space - start > MAX_DIGITS || space >= limit || raw[space] != ' ') {
      return null;
    }
    long length = Long.parseLong(new String(raw, start, space - start, StandardCharsets.US_ASCII));
    long end = start + length; // one past the record's '\n'
    if (end > limit || end <= space + 1 || raw[(int) end - 1] != '\n') {
      return null;
    }
    int eq = indexOf(raw, (byte) '=', space + 1, (int) end - 1);
    if (eq < 0) {
      return null;
    }
    return new PaxRecord(raw, space + 1, eq, (int) end);
  }

  /** Where the key starts in the bytes read. */
  public int keyStart() {
    return keyStart;
  }

  /** The key, as UTF-8 text. */
  public String key() {
    return new String(raw, keyStart, eq - keyStart, StandardCharsets.UTF_8);
  }

  /** The value's exact bytes. */
  public byte[] value() {
    return Arrays.copyOfRange(raw, eq + 1, end - 1);
  }

  /** The value as UTF-8 text. */
  public String text() {
    return new String(raw, eq + 1, end - 1 - eq - 1, StandardCharsets.UTF_8);
  }

  /** One past the record's last byte ('\n'): where the next record starts. */
  public int end() {
    return end;
  }

  private static int indexOf(byte[] raw, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (raw[i] == b) {
        return i;
      }
    }
    return -1;
  }
}

package io.strata.store.image.layer;

import io.strata.files.pax.PaxRecord;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * The sparse files the tar parser (commons-compress) cannot read: a PAX sparse file (formats 0.x
 * and 1.0, GNU tar's {@code --format=pax --sparse}) whose real size is 2 GiB or more (it parses
 * that size as an {@code int}), and an old GNU sparse file ({@code --format=gnu --sparse}, type
 * {@code S}) of 8 GiB or more (its size then in base-256, which it refuses). Such an entry is
 * refused in words naming it and why, not as "truncated or corrupt tar" (the tar is whole); a tar
 * made without {@code --sparse} carries the zeros instead, which the store keeps once.
 */
final class SparseLimit {
  private static final long INT_LIMIT = Integer.MAX_VALUE;
  private static final int OLD_GNU_REALSIZE = 483;
  private static final String ADVICE =
      "; a tar made without --sparse carries its zeros instead, which Strata stores once";

  private SparseLimit() {}

  /**
   * Why the entry a PAX header's content {@code pax} describes cannot be read, or null: a sparse
   * file of 2 GiB or more.
   */
  static String tooLarge(byte[] pax) {
    if (pax == null) {
      return null;
    }
    String name = null;
    long size = -1;
    String format = null;
    // Records one after another, up to the first malformed one: the parser says what is wrong.
    for (PaxRecord r = PaxRecord.at(pax, 0, pax.length);
        r != null;
        r = PaxRecord.at(pax, r.end(), pax.length)) {
      String key = r.key();
      switch (key) {
        case "GNU.sparse.name", "path" ->
            name = name == null || key.startsWith("GNU") ? r.text() : name;
        case "GNU.sparse.realsize" -> {
          size = parse(r.text());
          format = "1.0";
        }
        case "GNU.sparse.size" -> {
          size = parse(r.text());
          format = "0.x";
        }
        default -> {}
      }
    }
    if (size <= INT_LIMIT) {
      return null;
    }
    return "entry "
        + (name == null ? "?" : name)
        + ": a sparse file of "
        + String.format(Locale.ROOT, "%,d", size)
        + " bytes (GNU's PAX sparse format "
        + format
        + "), which the tar reader Strata uses takes only up to 2 GiB"
        + ADVICE;
  }

  /** Why the old GNU sparse header {@code record} cannot be read, or null: 8 GiB or more. */
  static String tooLargeOldGnu(byte[] record) {
    if (record[156] != 'S' || (record[OLD_GNU_REALSIZE] & 0x80) == 0) {
      return null;
    }
    long size;
    try {
      size = TarUtils.parseOctalOrBinary(record, OLD_GNU_REALSIZE, 12);
    } catch (IllegalArgumentException e) {
      size = -1;
    }
    int n = indexOf(record, (byte) 0, 0);
    String name = new String(record, 0, n < 0 || n > 100 ? 100 : n, StandardCharsets.UTF_8);
    return "entry "
        + name
        + ": a sparse file of "
        + (size < 0 ? "8 GiB or more" : String.format(Locale.ROOT, "%,d bytes", size))
        + " in GNU's old sparse format (tar --format=gnu --sparse), which the tar reader Strata"
        + " uses takes only below 8 GiB; tar --format=pax --sparse takes it up to 2 GiB"
        + ADVICE;
  }

  private static long parse(String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1; // the parser names what is wrong
    }
  }

  private static int indexOf(byte[] b, byte x, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }
}

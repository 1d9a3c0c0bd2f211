package io.strata.client.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as people read them: {@code 24.0 MiB}. */
final class ByteSize {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private static final Pattern COUNT = Pattern.compile("([0-9]{1,19})([KMGT]?)(i?B)?");

  private ByteSize() {}

  /**
   * A byte count as a person writes it: {@code 4096}, {@code 4K}, {@code 8MiB} (K, M, G, T are
   * powers of 1024, as in coreutils). Throws {@link IllegalArgumentException} naming {@code text}.
   */
  static long parse(String text) {
    Matcher m = COUNT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "size " + text + ": expected a byte count such as 4096, 64K or 8M");
    }
    int shift = 10 * "_KMGT".indexOf(m.group(2).isEmpty() ? "_" : m.group(2));
    try {
      long n = Long.parseLong(m.group(1));
      if (n > Long.MAX_VALUE >> shift) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size " + text + " is too large", e);
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
  }
}

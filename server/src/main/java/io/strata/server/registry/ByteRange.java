package io.strata.server.registry;

/**
 * An inclusive byte range, {@code first}..{@code last}: what a {@code Range} request asks of a blob
 * and what a {@code Content-Range} says a chunk of an upload holds.
 *
 * @param first the first byte's offset
 * @param last the last byte's offset
 */
record ByteRange(long first, long last) {
  ByteRange {
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("byte range " + first + "-" + last + ": not a range");
    }
  }

  long length() {
    return last - first + 1;
  }

  /**
   * The range a {@code Range: bytes=A-B} header asks of a blob of {@code total} bytes (one range;
   * {@code A-} to the end, {@code -N} the last N), or null for no header. Refused with 416 when it
   * is malformed or lies outside the blob.
   */
  static ByteRange request(String header, long total) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      throw RegistryError.rangeInvalid("range " + header + ": expected one bytes=A-B range");
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      throw RegistryError.rangeInvalid("range " + header + ": expected bytes=A-B");
    }
    try {
      String a = spec.substring(0, dash);
      String b = spec.substring(dash + 1);
      long first;
      long last;
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0 || total == 0) {
          throw RegistryError.rangeInvalid("range " + header + ": outside the " + total + " bytes");
        }
        first = Math.max(0, total - n);
        last = total - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? total - 1 : Math.min(Long.parseLong(b), total - 1);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
          throw RegistryError.rangeInvalid("range " + header + ": ends before it starts");
        }
      }
      if (first < 0 || first >= total) {
        throw RegistryError.rangeInvalid("range " + header + ": outside the " + total + " bytes");
      }
      return new ByteRange(first, last);
    } catch (NumberFormatException e) {
      throw RegistryError.rangeInvalid("range " + header + ": not a number");
    }
  }

  /**
   * The range a {@code Content-Range} header of an upload chunk names: {@code A-B} (the spec's
   * form) or {@code bytes A-B/*}; null for no header.
   */
  static ByteRange upload(String header) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    if (h.startsWith("bytes ")) {
      h = h.substring(6).trim();
    }
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    int dash = h.indexOf('-');
    try {
      if (dash <= 0) {
        throw new NumberFormatException();
      }
      long a = Long.parseLong(h.substring(0, dash));
      long b = Long.parseLong(h.substring(dash + 1));
      if (a < 0 || b < a) {
        throw new NumberFormatException();
      }
      return new ByteRange(a, b);
    } catch (NumberFormatException e) {
      throw RegistryError.rangeInvalid("Content-Range " + header + ": expected A-B");
    }
  }
}

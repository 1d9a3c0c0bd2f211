package io.strata.store.gzip;

import java.io.IOException;
import java.io.InputStream;

/** The header of a gzip member (RFC 1952 §2.3): where the deflate data starts. */
final class GzipHeader {
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;
  private static final int RESERVED = 0xe0;

  /** Headers longer than this are not worth a recipe (names and comments are short). */
  static final int MAX_LENGTH = 4096;

  private GzipHeader() {}

  /**
   * The header bytes at the start of {@code in}, or null when it does not start with a gzip member
   * using deflate, or the header is longer than {@link #MAX_LENGTH}.
   */
  static byte[] read(InputStream in) throws IOException {
    byte[] h = new byte[MAX_LENGTH];
    if (in.readNBytes(h, 0, 10) != 10
        || (h[0] & 0xff) != 0x1f
        || (h[1] & 0xff) != 0x8b
        || h[2] != 8
        || (h[3] & RESERVED) != 0) {
      return null;
    }
    int flags = h[3] & 0xff;
    int n = 10;
    if ((flags & FEXTRA) != 0) {
      if (in.readNBytes(h, n, 2) != 2) {
        return null;
      }
      int xlen = (h[n] & 0xff) | (h[n + 1] & 0xff) << 8;
      n += 2;
      if (n + xlen > MAX_LENGTH || in.readNBytes(h, n, xlen) != xlen) {
        return null;
      }
      n += xlen;
    }
    for (int field : new int[] {FNAME, FCOMMENT}) {
      if ((flags & field) != 0) {
        while (true) {
          int c = in.read();
          if (c < 0 || n == MAX_LENGTH) {
            return null;
          }
          h[n++] = (byte) c;
          if (c == 0) {
            break;
          }
        }
      }
    }
    if ((flags & FHCRC) != 0) {
      if (n + 2 > MAX_LENGTH || in.readNBytes(h, n, 2) != 2) {
        return null;
      }
      n += 2;
    }
    return java.util.Arrays.copyOf(h, n);
  }
}

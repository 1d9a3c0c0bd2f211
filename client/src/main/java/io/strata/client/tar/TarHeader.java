package io.strata.client.tar;

/**
 * The client's one reading of a tar header record, for the checks that walk a local tar file by its
 * headers before it is sent ({@link ImageArchiveCheck}, {@link LayerTarRewrite#headers}): a record
 * is a header only if its checksum matches, as GNU tar, Go's archive/tar and the server ({@code
 * CheckedTarInputStream}) require; numbers are octal or base-256; and the next header's position is
 * computed without overflow, so a huge size field ends the walk instead of pointing before the
 * file's start.
 */
final class TarHeader {
  static final int BLOCK = 512;
  private static final int SIZE = 124;
  private static final int SIZE_LENGTH = 12;
  private static final int CHECKSUM = 148;
  private static final int CHECKSUM_LENGTH = 8;

  private TarHeader() {}

  /** Whether {@code h} is all zeros: an end-of-archive block. */
  static boolean isEnd(byte[] h) {
    for (int i = 0; i < BLOCK; i++) {
      if (h[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the checksum field of header {@code h} holds the sum of its bytes with the field
   * counted as spaces: unsigned, as POSIX says, or signed, as some old tars wrote it.
   */
  static boolean checksumMatches(byte[] h) {
    long stored = octal(h, CHECKSUM, CHECKSUM_LENGTH);
    if (stored < 0) {
      return false;
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      boolean field = i >= CHECKSUM && i < CHECKSUM + CHECKSUM_LENGTH;
      unsigned += field ? ' ' : h[i] & 0xFF;
      signed += field ? ' ' : h[i];
    }
    return stored == unsigned || stored == signed;
  }

  /** The size field of header {@code h}: the bytes of content after it; -1 if unreadable. */
  static long size(byte[] h) {
    return number(h, SIZE, SIZE_LENGTH);
  }

  /**
   * Where the header after the one at {@code pos} starts, {@code contentSize} bytes of content (in
   * whole blocks) after it; -1 when that is past {@code fileSize}: a tar cut short or a size that
   * no file of this length holds.
   */
  static long next(long pos, long contentSize, long fileSize) {
    if (contentSize < 0 || pos < 0 || pos > fileSize - BLOCK) {
      return -1;
    }
    long room = fileSize - pos - BLOCK;
    if (contentSize > room) {
      return -1;
    }
    long blocks = (contentSize + BLOCK - 1) / BLOCK;
    return pos + BLOCK + blocks * BLOCK;
  }

  /** A numeric field: octal (NUL or space ended) or base-256 (high bit set); -1 if neither. */
  static long number(byte[] h, int off, int len) {
    if ((h[off] & 0x80) != 0) {
      if ((h[off] & 0x40) != 0) {
        return -1; // a negative base-256 number
      }
      long v = h[off] & 0x3F;
      for (int i = off + 1; i < off + len; i++) {
        if (v >>> 55 != 0) {
          return -1;
        }
        v = (v << 8) | (h[i] & 0xFF);
      }
      return v;
    }
    return octal(h, off, len);
  }

  /**
   * An octal field: digits led by spaces and ended by a NUL or a space; an empty field is 0 (old
   * tars leave unused ones so), anything else -1. The checksum must have digits.
   */
  private static long octal(byte[] h, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && h[i] == ' ') {
      i++;
    }
    long v = 0;
    int digits = 0;
    for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
      if (v >>> 60 != 0) {
        return -1;
      }
      v = v * 8 + (h[i] - '0');
      digits++;
    }
    for (; i < end; i++) {
      if (h[i] != 0 && h[i] != ' ') {
        return -1;
      }
    }
    if (digits == 0 && off == CHECKSUM) {
      return -1;
    }
    return v;
  }
}

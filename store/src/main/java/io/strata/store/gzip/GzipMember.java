package io.strata.store.gzip;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Whether a gzip blob is one well-formed member (RFC 1952): deflate data that ends, a trailer whose
 * CRC-32 and ISIZE are those of the inflated bytes, and nothing after it. A recipe replays exactly
 * that, so a blob that is anything else (trailing bytes, several members, a wrong CRC, cut short)
 * can only be kept whole. Told before a replay stores the blob's contents as chunks: a replay that
 * failed only at the trailer had written them all, for the next gc to take (tester AQ1). A gzip
 * bomb is kept whole too ({@link GzipExpansion}): its contents are not read past the bound.
 */
public final class GzipMember {
  private static final int TRAILER = 8;

  private GzipMember() {}

  /**
   * Null when {@code file} is one well-formed gzip member whose header is {@code header} ({@link
   * GzipRecipes#header}'s answer) and whose contents stay within {@code bound}; otherwise what is
   * wrong with it, in a few words. Inflates the whole blob once (up to the bound), in bounded
   * memory.
   */
  public static String flaw(GzipRecipes.Source file, byte[] header, GzipExpansion bound)
      throws IOException {
    try (InputStream in = new BufferedInputStream(file.open(), 1 << 16)) {
      in.skipNBytes(header.length);
      Inflater inflater = new Inflater(true);
      try {
        return flaw(in, inflater, header.length, bound);
      } finally {
        inflater.end();
      }
    }
  }

  private static String flaw(
      InputStream in, Inflater inflater, long headerLength, GzipExpansion bound)
      throws IOException {
    byte[] input = new byte[1 << 16];
    byte[] output = new byte[1 << 16];
    CRC32 crc = new CRC32();
    long inflated = 0;
    int fed = 0;
    try {
      while (!inflater.finished()) {
        if (inflater.needsInput()) {
          fed = in.read(input);
          if (fed < 0) {
            return "it ends inside its deflate data";
          }
          inflater.setInput(input, 0, fed);
        }
        int n = inflater.inflate(output);
        if (n == 0 && inflater.needsDictionary()) {
          return "its deflate data asks for a dictionary";
        }
        crc.update(output, 0, n);
        inflated += n;
        if (bound.passed(inflated, inflater.getBytesRead())) {
          return "its contents pass "
              + inflated
              + " bytes from "
              + inflater.getBytesRead()
              + " compressed, over "
              + bound.maxRatio()
              + " times (strata.import.maxRatio)";
        }
      }
    } catch (DataFormatException e) {
      return "its deflate data is invalid (" + e.getMessage() + ")";
    }
    long memberEnd = headerLength + inflater.getBytesRead() + TRAILER;
    byte[] trailer = new byte[TRAILER];
    int left = inflater.getRemaining();
    int fromBuffer = Math.min(left, TRAILER);
    System.arraycopy(input, fed - left, trailer, 0, fromBuffer);
    if (in.readNBytes(trailer, fromBuffer, TRAILER - fromBuffer) != TRAILER - fromBuffer) {
      return "it ends inside its trailer";
    }
    if (littleEndian(trailer, 0) != crc.getValue()) {
      return "its trailer's CRC-32 is not that of its contents";
    }
    if (littleEndian(trailer, 4) != (inflated & 0xffffffffL)) {
      return "its trailer's size is not that of its contents";
    }
    if (left > TRAILER || in.read() >= 0) {
      return "bytes follow its gzip member at byte " + memberEnd;
    }
    return null;
  }

  private static long littleEndian(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }
}

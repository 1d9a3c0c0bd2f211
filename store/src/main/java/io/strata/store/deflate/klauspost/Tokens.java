package io.strata.store.deflate.klauspost;

import io.strata.store.deflate.DeflateTables;

/**
 * A block's tokens with the histograms klauspost keeps while adding them (its block writer decides
 * from them, and estimates a new table's size from them with float arithmetic that must match to
 * the bit). A literal is its byte; a match has bit 30 set, length − 3 in bits 22..29, the distance
 * code in bits 16..20 and distance − 1 in bits 0..15.
 */
final class Tokens {
  static final int MATCH_TYPE = 1 << 30;
  static final int LENGTH_SHIFT = 22;
  static final int OFFSET_MASK = (1 << LENGTH_SHIFT) - 1;
  static final int END_BLOCK = DeflateTables.END_BLOCK;
  private static final int LITERAL_COUNT = 286;
  private static final int OFFSET_CODE_COUNT = 30;

  final int[] litHist = new int[256];
  // index 0 counts end-of-block markers, 1 + c length code c
  final int[] extraHist = new int[32];
  final int[] offHist = new int[32];
  final int[] tokens;
  int n;

  Tokens(int capacity) {
    tokens = new int[capacity];
  }

  void reset() {
    if (n == 0) {
      return;
    }
    n = 0;
    java.util.Arrays.fill(litHist, 0);
    java.util.Arrays.fill(extraHist, 0);
    java.util.Arrays.fill(offHist, 0);
  }

  void addLiteral(int b) {
    tokens[n++] = b;
    litHist[b]++;
  }

  void addLiterals(byte[] src, int from, int to) {
    for (int i = from; i < to; i++) {
      int v = src[i] & 0xff;
      tokens[n++] = v;
      litHist[v]++;
    }
  }

  void addMatch(int xlength, int xoffset) {
    int oc = DeflateTables.offsetCode(xoffset);
    extraHist[DeflateTables.lengthCode(xlength) + 1]++;
    offHist[oc]++;
    tokens[n++] = MATCH_TYPE | xlength << LENGTH_SHIFT | oc << 16 | xoffset;
  }

  /** A match of any length, cut into pieces of at most 258 as klauspost cuts it. */
  void addMatchLong(int length, int xoffset) {
    int oc = DeflateTables.offsetCode(xoffset);
    int packed = oc << 16 | xoffset;
    while (length > 0) {
      int xl = length;
      if (xl > 258) {
        xl = xl > 258 + 3 ? 258 : 258 - 3;
      }
      length -= xl;
      xl -= 3;
      extraHist[DeflateTables.lengthCode(xl) + 1]++;
      offHist[oc]++;
      tokens[n++] = MATCH_TYPE | xl << LENGTH_SHIFT | packed;
    }
  }

  void addEob() {
    tokens[n++] = END_BLOCK;
    extraHist[0]++;
  }

  /** klauspost's estimate of a new dynamic table's bits for these tokens (Shannon, in float). */
  int estimatedBits() {
    float shannon = 0;
    int bits = 0;
    int nMatches = 0;
    int total = n;
    if (total > 0) {
      float invTotal = 1.0f / (float) total;
      for (int v : litHist) {
        if (v > 0) {
          float f = v;
          shannon += atLeastOne(-fastLog2(f * invTotal)) * f;
        }
      }
      shannon += 15;
      for (int i = 0; i < LITERAL_COUNT - 256 - 1; i++) {
        int v = extraHist[i + 1];
        if (v > 0) {
          float f = v;
          shannon += atLeastOne(-fastLog2(f * invTotal)) * f;
          bits += lengthExtraBits(i) * v;
          nMatches += v;
        }
      }
    }
    if (nMatches > 0) {
      float invTotal = 1.0f / (float) nMatches;
      for (int i = 0; i < OFFSET_CODE_COUNT; i++) {
        int v = offHist[i];
        if (v > 0) {
          float f = v;
          shannon += atLeastOne(-fastLog2(f * invTotal)) * f;
          bits += DeflateTables.offsetExtraBits(i) * v;
        }
      }
    }
    return (int) shannon + bits;
  }

  static int lengthExtraBits(int code) {
    return code < 29 ? DeflateTables.lengthExtraBits(code) : 0;
  }

  static float atLeastOne(float v) {
    if (v < 1) {
      return 1;
    }
    return v > 15 ? 15 : v;
  }

  /** klauspost's mFastLog2: a polynomial on the float's mantissa, in float32 as Go computes it. */
  static float fastLog2(float val) {
    int ux = Float.floatToRawIntBits(val);
    float log2 = (float) (((ux >> 23) & 255) - 128);
    ux &= -0x7f800001;
    ux += 127 << 23;
    float uval = Float.intBitsToFloat(ux);
    log2 += ((-0.34484843f) * uval + 2.02466578f) * uval - 0.67487759f;
    return log2;
  }

  /**
   * klauspost's offsetCode, exactly: for offsets below 32768 the RFC's distance code of {@code
   * off}, but 32768 itself (which its level 9 asks about) wraps to code 14.
   */
  static int offsetCode(int off) {
    if (off < 256) {
      return DeflateTables.offsetCode(off);
    }
    return DeflateTables.offsetCode((off >>> 7) & 0xff) + 14;
  }

  static int xlength(int token) {
    return (token >>> LENGTH_SHIFT) & 0xff;
  }
}

package io.strata.store.deflate;

/**
 * The RFC 1951 code tables, as Go's compressors (the standard library's and klauspost's) index
 * them: a match token stores length − 3 and distance − 1, and these map them to their length and
 * distance codes.
 */
public final class DeflateTables {
  public static final int END_BLOCK = 256;
  public static final int LENGTH_CODES_START = 257;
  public static final int MAX_NUM_LIT = 286;
  public static final int OFFSET_CODE_COUNT = 30;
  public static final int CODEGEN_CODE_COUNT = 19;

  static final int[] LENGTH_EXTRA_BITS = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
  };

  /** Length − 3 at which each length code starts. */
  static final int[] LENGTH_BASE = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128,
    160, 192, 224, 255
  };

  static final int[] OFFSET_EXTRA_BITS = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
  };

  /** Distance − 1 at which each distance code starts. */
  static final int[] OFFSET_BASE = new int[OFFSET_CODE_COUNT];

  /** The order in which a dynamic header lists the code-length code lengths. */
  static final int[] CODEGEN_ORDER = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
  };

  private static final byte[] LENGTH_CODE = new byte[256];
  private static final byte[] OFFSET_CODE = new byte[1 << 15];

  static {
    int base = 0;
    for (int c = 0; c < OFFSET_CODE_COUNT; c++) {
      OFFSET_BASE[c] = base;
      base += 1 << OFFSET_EXTRA_BITS[c];
    }
    for (int c = 0; c < LENGTH_BASE.length; c++) {
      int end = c + 1 < LENGTH_BASE.length ? LENGTH_BASE[c + 1] : 256;
      for (int x = LENGTH_BASE[c]; x < end; x++) {
        LENGTH_CODE[x] = (byte) c;
      }
    }
    for (int c = 0; c < OFFSET_CODE_COUNT; c++) {
      int end = c + 1 < OFFSET_CODE_COUNT ? OFFSET_BASE[c + 1] : 1 << 15;
      for (int x = OFFSET_BASE[c]; x < end; x++) {
        OFFSET_CODE[x] = (byte) c;
      }
    }
  }

  private DeflateTables() {}

  /** The length code (0..28) of a match token's length − 3. */
  public static int lengthCode(int xlength) {
    return LENGTH_CODE[xlength];
  }

  /** The distance code (0..29) of a match token's distance − 1. */
  public static int offsetCode(int xoffset) {
    return OFFSET_CODE[xoffset];
  }

  /** Extra bits of length code {@code code} (0..28). */
  public static int lengthExtraBits(int code) {
    return LENGTH_EXTRA_BITS[code];
  }

  /** Length − 3 at which length code {@code code} starts. */
  public static int lengthBase(int code) {
    return LENGTH_BASE[code];
  }

  /** Extra bits of distance code {@code code} (0..29). */
  public static int offsetExtraBits(int code) {
    return OFFSET_EXTRA_BITS[code];
  }

  /** Distance − 1 at which distance code {@code code} starts. */
  public static int offsetBase(int code) {
    return OFFSET_BASE[code];
  }

  /** The code-length code a dynamic header lists at position {@code i}. */
  public static int codegenOrder(int i) {
    return CODEGEN_ORDER[i];
  }
}

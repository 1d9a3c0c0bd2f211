package io.strata.store.deflate;

/**
 * Tokens packed into ints as Go packs them: a literal is its byte value; a match has bit 30 set,
 * length − 3 in bits 22..29 and distance − 1 in bits 0..21. Literals sort below matches.
 */
final class Tokens {
  static final int MATCH_TYPE = 1 << 30;
  private static final int LENGTH_SHIFT = 22;
  private static final int OFFSET_MASK = (1 << LENGTH_SHIFT) - 1;

  private Tokens() {}

  static int literal(int b) {
    return b;
  }

  static int match(int xlength, int xoffset) {
    return MATCH_TYPE + (xlength << LENGTH_SHIFT) + xoffset;
  }

  static int xlength(int token) {
    return (token - MATCH_TYPE) >>> LENGTH_SHIFT;
  }

  static int xoffset(int token) {
    return token & OFFSET_MASK;
  }
}

package io.strata.store.deflate.klauspost;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What klauspost's levels 1..6 share ({@code fastGen}): the history the match finders search (the
 * block being encoded and up to 32 KiB before it, in one buffer that slides down when full) and the
 * offset {@code cur} that makes table entries from earlier blocks absolute. Each level is a
 * different snappy-like encoder over it.
 */
abstract class FastGen {
  static final int TABLE_BITS = 15;
  static final int TABLE_SIZE = 1 << TABLE_BITS;
  static final int MAX_MATCH_OFFSET = 1 << 15;
  static final int MAX_MATCH_LENGTH = 258;
  static final int MAX_STORE_BLOCK = 65535;
  static final int ALLOC_HISTORY = MAX_STORE_BLOCK * 5;
  static final int BUFFER_RESET = (1 << 31) - ALLOC_HISTORY - MAX_STORE_BLOCK - 1;
  static final int INPUT_MARGIN = 12 - 1;
  static final int MIN_NON_LITERAL_BLOCK = 1 + 1 + INPUT_MARGIN;

  private static final int PRIME4 = (int) 2654435761L;
  private static final long PRIME5 = 889523592379L;
  private static final long PRIME7 = 58295818150454627L;

  final byte[] hist = new byte[ALLOC_HISTORY];
  int histLen;
  int cur = MAX_STORE_BLOCK;

  /** Encodes {@code src[off..off+len)} (at most 65535 bytes) into {@code dst}, as Go's Encode. */
  abstract void encode(Tokens dst, byte[] src, int off, int len);

  /** Forgets the tables' contents by moving every entry out of reach, as Go's Reset. */
  void reset() {
    if (cur <= BUFFER_RESET) {
      cur += MAX_MATCH_OFFSET + histLen;
    }
    histLen = 0;
  }

  /** Appends a block to the history (sliding it down when full); returns where the block starts. */
  int addBlock(byte[] src, int off, int len) {
    if (histLen + len > hist.length) {
      int offset = histLen - MAX_MATCH_OFFSET;
      System.arraycopy(hist, offset, hist, 0, MAX_MATCH_OFFSET);
      cur += offset;
      histLen = MAX_MATCH_OFFSET;
    }
    int s = histLen;
    System.arraycopy(src, off, hist, histLen, len);
    histLen += len;
    return s;
  }

  /** The encoders' table maintenance when {@code cur} nears overflow: entries out of reach go. */
  static void shift(int[] table, int minOff, int cur) {
    for (int i = 0; i < table.length; i++) {
      int v = table[i];
      table[i] = v <= minOff ? 0 : v - cur + MAX_MATCH_OFFSET;
    }
  }

  /**
   * As {@link #shift} for a (current, previous) table whose previous entry goes with its current.
   */
  static void shiftPairs(int[] curs, int[] prevs, int minOff, int cur) {
    for (int i = 0; i < curs.length; i++) {
      if (curs[i] <= minOff) {
        curs[i] = 0;
        prevs[i] = 0;
      } else {
        curs[i] = curs[i] - cur + MAX_MATCH_OFFSET;
        prevs[i] = prevs[i] <= minOff ? 0 : prevs[i] - cur + MAX_MATCH_OFFSET;
      }
    }
  }

  static void clear(int[]... tables) {
    for (int[] t : tables) {
      Arrays.fill(t, 0);
    }
  }

  /** Length of the match at s against t, at most 258 − 4 and within the history. */
  final int matchlen(int s, int t) {
    int s1 = Math.min(s + MAX_MATCH_LENGTH - 4, histLen);
    return matchLen(s, s1, t);
  }

  /** Length of the match at s against t up to the end of the history. */
  final int matchlenLong(int s, int t) {
    return matchLen(s, histLen, t);
  }

  private int matchLen(int s, int end, int t) {
    int n = end - s;
    int i = Arrays.mismatch(hist, s, end, hist, t, t + n);
    return i < 0 ? n : i;
  }

  // little-endian loads of 4 and 8 bytes in one access, as Go's binary.LittleEndian
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static int load32(byte[] b, int i) {
    return (int) INT_LE.get(b, i);
  }

  static long load64(byte[] b, int i) {
    return (long) LONG_LE.get(b, i);
  }

  /** hashLen(u, bits, 4). */
  static int hash4(long u, int bits) {
    return ((int) u * PRIME4) >>> (32 - bits);
  }

  /** hashLen(u, bits, 5). */
  static int hash5(long u, int bits) {
    return (int) (((u << (64 - 40)) * PRIME5) >>> (64 - bits));
  }

  /** hash7 (and hashLen(u, bits, 7)). */
  static int hash7(long u, int bits) {
    return (int) (((u << (64 - 56)) * PRIME7) >>> ((64 - bits) & 63));
  }
}

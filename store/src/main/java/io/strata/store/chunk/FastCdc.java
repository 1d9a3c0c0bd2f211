package io.strata.store.chunk;

/**
 * FastCDC (Xia et al., USENIX ATC '16) over a gear rolling hash, with normalized chunking at level
 * 2: below the average size a cut needs two more zero bits than the average calls for, above it two
 * fewer, so chunk sizes cluster near the average. No hashing happens below the minimum size, which
 * is where most of the speed comes from.
 *
 * <p>The gear hash shifts left one bit per byte, so its high bits depend on the last 64 bytes and
 * its low bits on the last few only; cut decisions therefore test the <em>high</em> bits.
 *
 * <p>The gear table is fixed forever (SplitMix64 from a constant seed): chunk boundaries must be
 * the same on every host and in every version, or deduplication between them is lost.
 */
public final class FastCdc {
  static final long[] GEAR = gearTable(0x5354524154414744L); // "STRATAGD"

  private final int min;
  private final int avg;
  private final int max;
  private final long maskSmall;
  private final long maskLarge;

  public FastCdc(ChunkerParams params) {
    this.min = params.min();
    this.avg = params.avg();
    this.max = params.max();
    int bits = Integer.numberOfTrailingZeros(avg);
    this.maskSmall = highBits(bits + 2);
    this.maskLarge = highBits(bits - 2);
  }

  /**
   * Where the chunk starting at {@code off} ends: the length of the first chunk of the {@code len}
   * bytes given. When fewer than the maximum chunk size are given, the caller must know that no
   * more bytes follow (the end of an object); otherwise it should give at least {@code max}.
   */
  public int cut(byte[] buf, int off, int len) {
    if (len <= min) {
      return len;
    }
    int end = Math.min(len, max);
    int normal = Math.min(end, avg);
    long[] gear = GEAR;
    long h = 0;
    int i = min;
    for (; i < normal; i++) {
      h = (h << 1) + gear[buf[off + i] & 0xFF];
      if ((h & maskSmall) == 0) {
        return i + 1;
      }
    }
    for (; i < end; i++) {
      h = (h << 1) + gear[buf[off + i] & 0xFF];
      if ((h & maskLarge) == 0) {
        return i + 1;
      }
    }
    return end;
  }

  /** The largest chunk this chunker cuts. */
  public int maxSize() {
    return max;
  }

  private static long highBits(int n) {
    return -1L << (64 - n);
  }

  private static long[] gearTable(long seed) {
    long[] table = new long[256];
    long x = seed;
    for (int i = 0; i < table.length; i++) {
      x += 0x9E3779B97F4A7C15L;
      long z = x;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }
}

package io.strata.store.deflate;

/**
 * Go's level 1 (BestSpeed) match finder, {@code deflateFast}: a single-entry hash table of 4-byte
 * sequences, skipping ahead faster the longer no match is found, with matches reaching back into
 * the previous block. Its table and offsets carry over between blocks, as Go's do.
 */
final class FastEncoder {
  private static final int TABLE_BITS = 14;
  private static final int TABLE_SIZE = 1 << TABLE_BITS;
  private static final int TABLE_MASK = TABLE_SIZE - 1;
  private static final int TABLE_SHIFT = 32 - TABLE_BITS;
  private static final int MAX_STORE_BLOCK = 65535;
  private static final int MAX_MATCH_OFFSET = 1 << 15;
  private static final int MAX_MATCH_LENGTH = 258;
  private static final int BUFFER_RESET = Integer.MAX_VALUE - MAX_STORE_BLOCK * 2;
  private static final int INPUT_MARGIN = 16 - 1;
  private static final int MIN_NON_LITERAL_BLOCK = 1 + 1 + INPUT_MARGIN;

  private final int[] tableVal = new int[TABLE_SIZE];
  private final int[] tableOffset = new int[TABLE_SIZE];
  private final byte[] prev = new byte[MAX_STORE_BLOCK];
  private int prevLen;
  private int cur = MAX_STORE_BLOCK;

  private int[] dst;
  private int ndst;

  private static int load32(byte[] b, int i) {
    return (b[i] & 0xff)
        | (b[i + 1] & 0xff) << 8
        | (b[i + 2] & 0xff) << 16
        | (b[i + 3] & 0xff) << 24;
  }

  private static long load64(byte[] b, int i) {
    return (load32(b, i) & 0xffffffffL) | ((long) load32(b, i + 4) << 32);
  }

  private static int hash(int u) {
    return (u * 0x1e35a7bd) >>> TABLE_SHIFT;
  }

  /** Tokens of {@code src[0..len)} into {@code out}; returns how many. */
  int encode(int[] out, byte[] src, int len) {
    dst = out;
    ndst = 0;
    if (cur >= BUFFER_RESET) {
      shiftOffsets();
    }
    if (len < MIN_NON_LITERAL_BLOCK) {
      cur += MAX_STORE_BLOCK;
      prevLen = 0;
      emitLiterals(src, 0, len);
      return ndst;
    }
    int sLimit = len - INPUT_MARGIN;
    int nextEmit = 0;
    int s = 0;
    int cv = load32(src, s);
    int nextHash = hash(cv);
    outer:
    while (true) {
      int skip = 32;
      int nextS = s;
      int candVal;
      int candOffset;
      while (true) {
        s = nextS;
        int between = skip >> 5;
        nextS = s + between;
        skip += between;
        if (nextS > sLimit) {
          break outer;
        }
        int slot = nextHash & TABLE_MASK;
        candVal = tableVal[slot];
        candOffset = tableOffset[slot];
        int now = load32(src, nextS);
        tableVal[slot] = cv;
        tableOffset[slot] = s + cur;
        nextHash = hash(now);
        int offset = s - (candOffset - cur);
        if (offset > MAX_MATCH_OFFSET || cv != candVal) {
          cv = now;
          continue;
        }
        break;
      }
      emitLiterals(src, nextEmit, s);
      while (true) {
        s += 4;
        int t = candOffset - cur + 4;
        int l = matchLen(s, t, src, len);
        dst[ndst++] = Tokens.match(l + 4 - 3, s - t - 1);
        s += l;
        nextEmit = s;
        if (s >= sLimit) {
          break outer;
        }
        long x = load64(src, s - 1);
        int prevHash = hash((int) x);
        tableVal[prevHash & TABLE_MASK] = (int) x;
        tableOffset[prevHash & TABLE_MASK] = cur + s - 1;
        x >>>= 8;
        int currHash = hash((int) x);
        candVal = tableVal[currHash & TABLE_MASK];
        candOffset = tableOffset[currHash & TABLE_MASK];
        tableVal[currHash & TABLE_MASK] = (int) x;
        tableOffset[currHash & TABLE_MASK] = cur + s;
        int offset = s - (candOffset - cur);
        if (offset > MAX_MATCH_OFFSET || (int) x != candVal) {
          cv = (int) (x >>> 8);
          nextHash = hash(cv);
          s++;
          break;
        }
      }
    }
    if (nextEmit < len) {
      emitLiterals(src, nextEmit, len);
    }
    cur += len;
    System.arraycopy(src, 0, prev, 0, len);
    prevLen = len;
    return ndst;
  }

  private void emitLiterals(byte[] src, int from, int to) {
    for (int i = from; i < to; i++) {
      dst[ndst++] = src[i] & 0xff;
    }
  }

  /** Length of the match at s against t (t < 0: in the previous block), up to 258 − 4. */
  private int matchLen(int s, int t, byte[] src, int len) {
    int s1 = Math.min(s + MAX_MATCH_LENGTH - 4, len);
    if (t >= 0) {
      int n = s1 - s;
      for (int i = 0; i < n; i++) {
        if (src[s + i] != src[t + i]) {
          return i;
        }
      }
      return n;
    }
    int tp = prevLen + t;
    if (tp < 0) {
      return 0;
    }
    int n = Math.min(s1 - s, prevLen - tp);
    for (int i = 0; i < n; i++) {
      if (src[s + i] != prev[tp + i]) {
        return i;
      }
    }
    if (s + n == s1) {
      return n;
    }
    int rest = s1 - (s + n);
    for (int i = 0; i < rest; i++) {
      if (src[s + n + i] != src[i]) {
        return i + n;
      }
    }
    return rest + n;
  }

  /** Forgets the previous block (after a flush that wrote it without this encoder). */
  void reset() {
    prevLen = 0;
    cur += MAX_MATCH_OFFSET;
    if (cur >= BUFFER_RESET) {
      shiftOffsets();
    }
  }

  private void shiftOffsets() {
    if (prevLen == 0) {
      java.util.Arrays.fill(tableVal, 0);
      java.util.Arrays.fill(tableOffset, 0);
      cur = MAX_MATCH_OFFSET + 1;
      return;
    }
    for (int i = 0; i < TABLE_SIZE; i++) {
      int v = tableOffset[i] - cur + MAX_MATCH_OFFSET + 1;
      tableOffset[i] = Math.max(v, 0);
    }
    cur = MAX_MATCH_OFFSET + 1;
  }
}

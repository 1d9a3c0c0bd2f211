package io.strata.store.deflate.klauspost;

/**
 * klauspost's level 2 ({@code fastEncL2}): level 1's search on a bigger table, filling in hashes
 * between the ends of each match.
 */
final class FastEncL2 extends FastGen {
  private static final int B_TABLE_BITS = 17;
  private final int[] table = new int[1 << B_TABLE_BITS];

  @Override
  void encode(Tokens dst, byte[] in, int inOff, int inLen) {
    while (cur >= BUFFER_RESET) {
      if (histLen == 0) {
        clear(table);
        cur = MAX_MATCH_OFFSET;
        break;
      }
      shift(table, cur + histLen - MAX_MATCH_OFFSET, cur);
      cur = MAX_MATCH_OFFSET;
    }
    int s = addBlock(in, inOff, inLen);
    if (inLen < MIN_NON_LITERAL_BLOCK) {
      dst.n = inLen;
      return;
    }
    byte[] src = hist;
    int srcLen = histLen;
    int nextEmit = s;
    int sLimit = srcLen - INPUT_MARGIN;
    long cv = load64(src, s);
    outer:
    while (true) {
      int nextS = s;
      int candidate;
      while (true) {
        int nextHash = hash5(cv, B_TABLE_BITS);
        s = nextS;
        nextS = s + 2 + ((s - nextEmit) >> 5);
        if (nextS > sLimit) {
          break outer;
        }
        candidate = table[nextHash];
        long now = load64(src, nextS);
        table[nextHash] = s + cur;
        nextHash = hash5(now, B_TABLE_BITS);
        int offset = s - (candidate - cur);
        if (offset < MAX_MATCH_OFFSET && (int) cv == load32(src, candidate - cur)) {
          table[nextHash] = nextS + cur;
          break;
        }
        cv = now;
        s = nextS;
        nextS++;
        candidate = table[nextHash];
        now >>>= 8;
        table[nextHash] = s + cur;
        offset = s - (candidate - cur);
        if (offset < MAX_MATCH_OFFSET && (int) cv == load32(src, candidate - cur)) {
          break;
        }
        cv = now;
      }
      while (true) {
        int t = candidate - cur;
        int l = matchlenLong(s + 4, t + 4) + 4;
        while (t > 0 && s > nextEmit && src[t - 1] == src[s - 1]) {
          s--;
          t--;
          l++;
        }
        if (nextEmit < s) {
          dst.addLiterals(src, nextEmit, s);
        }
        dst.addMatchLong(l, s - t - 1);
        s += l;
        nextEmit = s;
        if (nextS >= s) {
          s = nextS + 1;
        }
        if (s >= sLimit) {
          if (s + l + 8 < srcLen) {
            long c = load64(src, s);
            table[hash5(c, B_TABLE_BITS)] = s + cur;
          }
          break outer;
        }
        for (int i = s - l + 2; i < s - 5; i += 7) {
          long x = load64(src, i);
          table[hash5(x, B_TABLE_BITS)] = cur + i;
          x >>>= 16;
          table[hash5(x, B_TABLE_BITS)] = cur + i + 2;
          x >>>= 16;
          table[hash5(x, B_TABLE_BITS)] = cur + i + 4;
        }
        long x = load64(src, s - 2);
        int o = cur + s - 2;
        int prevHash = hash5(x, B_TABLE_BITS);
        int prevHash2 = hash5(x >>> 8, B_TABLE_BITS);
        table[prevHash] = o;
        table[prevHash2] = o + 1;
        int currHash = hash5(x >>> 16, B_TABLE_BITS);
        candidate = table[currHash];
        table[currHash] = o + 2;
        int offset = s - (candidate - cur);
        if (offset > MAX_MATCH_OFFSET || (int) (x >>> 16) != load32(src, candidate - cur)) {
          cv = x >>> 24;
          s++;
          break;
        }
      }
    }
    if (nextEmit < srcLen) {
      if (dst.n == 0) {
        return;
      }
      dst.addLiterals(src, nextEmit, srcLen);
    }
  }
}

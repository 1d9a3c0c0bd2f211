package io.strata.store.deflate.klauspost;

/** klauspost's level 1 ({@code fastEncL1}): one table of 5-byte hashes, checked two at a time. */
final class FastEncL1 extends FastGen {
  private final int[] table = new int[TABLE_SIZE];

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
      int nextS;
      int candidate;
      while (true) {
        int nextHash = hash5(cv, TABLE_BITS);
        candidate = table[nextHash];
        nextS = s + 2 + ((s - nextEmit) >> 5);
        if (nextS > sLimit) {
          break outer;
        }
        long now = load64(src, nextS);
        table[nextHash] = s + cur;
        nextHash = hash5(now, TABLE_BITS);
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
          table[nextHash] = nextS + cur;
          break;
        }
        cv = now;
        s = nextS;
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
            table[hash5(c, TABLE_BITS)] = s + cur;
          }
          break outer;
        }
        long x = load64(src, s - 2);
        int o = cur + s - 2;
        table[hash5(x, TABLE_BITS)] = o;
        x >>>= 16;
        int currHash = hash5(x, TABLE_BITS);
        candidate = table[currHash];
        table[currHash] = o + 2;
        int offset = s - (candidate - cur);
        if (offset > MAX_MATCH_OFFSET || (int) x != load32(src, candidate - cur)) {
          cv = x >>> 8;
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

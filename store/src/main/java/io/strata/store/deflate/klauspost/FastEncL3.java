package io.strata.store.deflate.klauspost;

/**
 * klauspost's level 3 ({@code fastEncL3}): a table of 5-byte hashes keeping two candidates each,
 * the longer of the two taken.
 */
final class FastEncL3 extends FastGen {
  private static final int BITS = 16;
  private final int[] curs = new int[1 << BITS];
  private final int[] prevs = new int[1 << BITS];

  private void put(int h, int offset) {
    prevs[h] = curs[h];
    curs[h] = offset;
  }

  @Override
  void encode(Tokens dst, byte[] in, int inOff, int inLen) {
    while (cur >= BUFFER_RESET) {
      if (histLen == 0) {
        clear(curs, prevs);
        cur = MAX_MATCH_OFFSET;
        break;
      }
      int minOff = cur + histLen - MAX_MATCH_OFFSET;
      // level 3 shifts each candidate on its own
      shift(curs, minOff, cur);
      shift(prevs, minOff, cur);
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
        int nextHash = hash5(cv, BITS);
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 7);
        if (nextS > sLimit) {
          break outer;
        }
        int cCur = curs[nextHash];
        int cPrev = prevs[nextHash];
        long now = load64(src, nextS);
        int minOffset = cur + s - (MAX_MATCH_OFFSET - 4);
        prevs[nextHash] = cCur;
        curs[nextHash] = s + cur;
        candidate = cCur;
        if (candidate < minOffset) {
          cv = now;
          continue;
        }
        if ((int) cv == load32(src, candidate - cur)) {
          if (cPrev < minOffset || (int) cv != load32(src, cPrev - cur)) {
            break;
          }
          int offset = s - (candidate - cur);
          int o2 = s - (cPrev - cur);
          int l1 = matchlenLong(s + 4, s - offset + 4);
          int l2 = matchlenLong(s + 4, s - o2 + 4);
          if (l2 > l1) {
            candidate = cPrev;
          }
          break;
        } else {
          candidate = cPrev;
          if (candidate > minOffset && (int) cv == load32(src, candidate - cur)) {
            break;
          }
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
          t += l;
          if (t + 8 < srcLen && t > 0) {
            cv = load64(src, t);
            put(hash5(cv, BITS), cur + t);
          }
          break outer;
        }
        for (int i = s - l + 2; i < s - 5; i += 6) {
          put(hash5(load64(src, i), BITS), cur + i);
        }
        long x = load64(src, s - 2);
        put(hash5(x, BITS), cur + s - 2);
        x >>>= 8;
        put(hash5(x, BITS), cur + s - 1);
        x >>>= 8;
        int currHash = hash5(x, BITS);
        int cCur = curs[currHash];
        int cPrev = prevs[currHash];
        cv = x;
        put(currHash, s + cur);
        candidate = cCur;
        int minOffset = cur + s - (MAX_MATCH_OFFSET - 4);
        if (candidate > minOffset) {
          if ((int) cv == load32(src, candidate - cur)) {
            continue;
          }
          candidate = cPrev;
          if (candidate > minOffset && (int) cv == load32(src, candidate - cur)) {
            continue;
          }
        }
        cv = x >>> 8;
        s++;
        break;
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

package io.strata.store.deflate.klauspost;

/**
 * klauspost's level 5 ({@code fastEncL5}), what its DefaultCompression means: a short table and a
 * long one keeping two candidates, a look past each match's end for a longer one, and every third
 * position of a match hashed.
 */
final class FastEncL5 extends FastGen {
  private final int[] table = new int[TABLE_SIZE];
  private final int[] bCur = new int[TABLE_SIZE];
  private final int[] bPrev = new int[TABLE_SIZE];

  private void putLong(int h, int offset) {
    bPrev[h] = bCur[h];
    bCur[h] = offset;
  }

  @Override
  void encode(Tokens dst, byte[] in, int inOff, int inLen) {
    while (cur >= BUFFER_RESET) {
      if (histLen == 0) {
        clear(table, bCur, bPrev);
        cur = MAX_MATCH_OFFSET;
        break;
      }
      int minOff = cur + histLen - MAX_MATCH_OFFSET;
      shift(table, minOff, cur);
      shiftPairs(bCur, bPrev, minOff, cur);
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
    while (true) {
      int nextS = s;
      int l = 0;
      int t;
      while (true) {
        int nextHashS = hash4(cv, TABLE_BITS);
        int nextHashL = hash7(cv, TABLE_BITS);
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 6);
        if (nextS > sLimit) {
          FastEncL4.emitRemainder(dst, src, nextEmit, srcLen);
          return;
        }
        int sCandidate = table[nextHashS];
        int lCur = bCur[nextHashL];
        int lPrev = bPrev[nextHashL];
        long next = load64(src, nextS);
        int entry = s + cur;
        table[nextHashS] = entry;
        putLong(nextHashL, entry);
        nextHashS = hash4(next, TABLE_BITS);
        nextHashL = hash7(next, TABLE_BITS);
        t = lCur - cur;
        if (s - t < MAX_MATCH_OFFSET) {
          if ((int) cv == load32(src, lCur - cur)) {
            table[nextHashS] = nextS + cur;
            putLong(nextHashL, nextS + cur);
            int t2 = lPrev - cur;
            if (s - t2 < MAX_MATCH_OFFSET && (int) cv == load32(src, lPrev - cur)) {
              l = matchlen(s + 4, t + 4) + 4;
              int ml1 = matchlen(s + 4, t2 + 4) + 4;
              if (ml1 > l) {
                t = t2;
                l = ml1;
                break;
              }
            }
            break;
          }
          t = lPrev - cur;
          if (s - t < MAX_MATCH_OFFSET && (int) cv == load32(src, lPrev - cur)) {
            table[nextHashS] = nextS + cur;
            putLong(nextHashL, nextS + cur);
            break;
          }
        }
        t = sCandidate - cur;
        if (s - t < MAX_MATCH_OFFSET && (int) cv == load32(src, sCandidate - cur)) {
          l = matchlen(s + 4, t + 4) + 4;
          lCur = bCur[nextHashL];
          lPrev = bPrev[nextHashL];
          table[nextHashS] = nextS + cur;
          putLong(nextHashL, nextS + cur);
          int t2 = lCur - cur;
          if (nextS - t2 < MAX_MATCH_OFFSET) {
            if (load32(src, lCur - cur) == (int) next) {
              int ml = matchlen(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                break;
              }
            }
            t2 = lPrev - cur;
            if (nextS - t2 < MAX_MATCH_OFFSET && load32(src, lPrev - cur) == (int) next) {
              int ml = matchlen(nextS + 4, t2 + 4) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
                break;
              }
            }
          }
          break;
        }
        cv = next;
      }
      if (l == 0) {
        l = matchlenLong(s + 4, t + 4) + 4;
      } else if (l == MAX_MATCH_LENGTH) {
        l += matchlenLong(s + l, t + l);
      }
      int sAt = s + l;
      if (l < 30 && sAt < sLimit) {
        // a match ending where a long hash points may start 2 bytes in
        int eLong = bCur[hash7(load64(src, sAt), TABLE_BITS)];
        int t2 = eLong - cur - l + 2;
        int s2 = s + 2;
        int off = s2 - t2;
        if (t2 >= 0 && off < MAX_MATCH_OFFSET && off > 0) {
          int l2 = matchlenLong(s2, t2);
          if (l2 > l) {
            t = t2;
            l = l2;
            s = s2;
          }
        }
      }
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
        FastEncL4.emitRemainder(dst, src, nextEmit, srcLen);
        return;
      }
      int i = s - l + 1;
      if (i < s - 1) {
        long c = load64(src, i);
        int te = i + cur;
        table[hash4(c, TABLE_BITS)] = te;
        putLong(hash7(c, TABLE_BITS), te);
        c >>>= 8;
        te++;
        putLong(hash7(c, TABLE_BITS), te);
        c >>>= 8;
        te++;
        table[hash4(c, TABLE_BITS)] = te;
        i += 4;
        for (; i < s - 1; i += 3) {
          c = load64(src, i);
          te = i + cur;
          putLong(hash7(c, TABLE_BITS), te);
          table[hash4(c >>> 8, TABLE_BITS)] = te + 1;
        }
      }
      long x = load64(src, s - 1);
      int o = cur + s - 1;
      table[hash4(x, TABLE_BITS)] = o;
      putLong(hash7(x, TABLE_BITS), o);
      cv = x >>> 8;
    }
  }
}

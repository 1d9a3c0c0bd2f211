package io.strata.store.deflate.klauspost;

/** klauspost's level 4 ({@code fastEncL4}): a short (4-byte) and a long (7-byte) hash table. */
final class FastEncL4 extends FastGen {
  private final int[] table = new int[TABLE_SIZE];
  private final int[] bTable = new int[TABLE_SIZE];

  @Override
  void encode(Tokens dst, byte[] in, int inOff, int inLen) {
    while (cur >= BUFFER_RESET) {
      if (histLen == 0) {
        clear(table, bTable);
        cur = MAX_MATCH_OFFSET;
        break;
      }
      int minOff = cur + histLen - MAX_MATCH_OFFSET;
      shift(table, minOff, cur);
      shift(bTable, minOff, cur);
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
      int t;
      while (true) {
        int nextHashS = hash4(cv, TABLE_BITS);
        int nextHashL = hash7(cv, TABLE_BITS);
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> 6);
        if (nextS > sLimit) {
          emitRemainder(dst, src, nextEmit, srcLen);
          return;
        }
        int sCandidate = table[nextHashS];
        int lCandidate = bTable[nextHashL];
        long next = load64(src, nextS);
        int entry = s + cur;
        table[nextHashS] = entry;
        bTable[nextHashL] = entry;
        t = lCandidate - cur;
        if (s - t < MAX_MATCH_OFFSET && (int) cv == load32(src, lCandidate - cur)) {
          break;
        }
        t = sCandidate - cur;
        if (s - t < MAX_MATCH_OFFSET && (int) cv == load32(src, sCandidate - cur)) {
          lCandidate = bTable[hash7(next, TABLE_BITS)];
          int lOff = nextS - (lCandidate - cur);
          if (lOff < MAX_MATCH_OFFSET && load32(src, lCandidate - cur) == (int) next) {
            int l1 = matchlenLong(s + 4, t + 4);
            int l2 = matchlenLong(nextS + 4, nextS - lOff + 4);
            if (l2 > l1) {
              s = nextS;
              t = lCandidate - cur;
            }
          }
          break;
        }
        cv = next;
      }
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
        if (s + 8 < srcLen) {
          long c = load64(src, s);
          table[hash4(c, TABLE_BITS)] = s + cur;
          bTable[hash7(c, TABLE_BITS)] = s + cur;
        }
        emitRemainder(dst, src, nextEmit, srcLen);
        return;
      }
      int i = nextS;
      if (i < s - 1) {
        long c = load64(src, i);
        int te = i + cur;
        bTable[hash7(c, TABLE_BITS)] = te;
        bTable[hash7(c >>> 8, TABLE_BITS)] = te + 1;
        table[hash4(c >>> 8, TABLE_BITS)] = te + 1;
        i += 3;
        for (; i < s - 1; i += 3) {
          c = load64(src, i);
          te = i + cur;
          bTable[hash7(c, TABLE_BITS)] = te;
          bTable[hash7(c >>> 8, TABLE_BITS)] = te + 1;
          table[hash4(c >>> 8, TABLE_BITS)] = te + 1;
        }
      }
      long x = load64(src, s - 1);
      int o = cur + s - 1;
      table[hash4(x, TABLE_BITS)] = o;
      bTable[hash7(x, TABLE_BITS)] = o;
      cv = x >>> 8;
    }
  }

  static void emitRemainder(Tokens dst, byte[] src, int nextEmit, int srcLen) {
    if (nextEmit < srcLen && dst.n != 0) {
      dst.addLiterals(src, nextEmit, srcLen);
    }
  }
}

package io.strata.store.deflate.klauspost;

import io.strata.store.deflate.DeflateTables;
import java.io.IOException;
import java.util.Arrays;

/**
 * klauspost's levels 7..9 ({@code deflateLazy}): hash chains over a 64 KiB window with lazy
 * matching like Go's standard library, but with klauspost's own changes: a longer match looked for
 * at the end of the previous one, literals skipped faster after a long run without matches, and at
 * level 9 matches chosen by an estimated gain in bits (from a Huffman code of the bytes ahead).
 */
final class LazyEncoder {
  private static final int WINDOW_SIZE = 1 << 15;
  private static final int WINDOW_MASK = WINDOW_SIZE - 1;
  private static final int MIN_MATCH = 4;
  private static final int MAX_MATCH = 258;
  private static final int HASH_BITS = 17;
  private static final int HASH_SIZE = 1 << HASH_BITS;
  private static final int MAX_HASH_OFFSET = 1 << 28;
  static final int MAX_FLATE_BLOCK_TOKENS = 1 << 15;
  private static final int PRIME4 = (int) 2654435761L;

  private final int good;
  private final int lazy;
  private final int nice;
  private final int chain;
  private final HuffmanBitWriter w;
  private final Tokens tokens;
  private final HuffmanCode literals;

  final byte[] window = new byte[2 * WINDOW_SIZE];
  int windowEnd;
  private int blockStart;
  private boolean byteAvailable;
  private int length = MIN_MATCH - 1;
  private int offset;
  private int maxInsertIndex;
  private int chainHead = -1;
  private int hashOffset = 1;
  // a uint16 in Go, wrapping after 64 Ki literals without a match
  private int ii;
  private int index;
  private final int[] hashHead = new int[HASH_SIZE];
  private final int[] hashPrev = new int[WINDOW_SIZE];
  private final int[] histogram = new int[256];
  private int matchLength;
  private int matchOffset;

  LazyEncoder(int level, HuffmanBitWriter w, Tokens tokens) {
    int[] p =
        switch (level) {
          case 7 -> new int[] {8, 12, 16, 24};
          case 8 -> new int[] {16, 30, 40, 64};
          case 9 -> new int[] {32, 258, 258, 1024};
          default -> throw new IllegalArgumentException("no lazy matcher for level " + level);
        };
    good = p[0];
    lazy = p[1];
    nice = p[2];
    chain = p[3];
    this.w = w;
    this.tokens = tokens;
    literals = chain > 100 ? new HuffmanCode(256) : null;
  }

  boolean full() {
    return windowEnd == window.length;
  }

  private int hash4(int i) {
    return (FastGen.load32(window, i) * PRIME4) >>> (32 - HASH_BITS);
  }

  /** Go's fillDeflate: slides the window down by 32 KiB when due, then copies input in. */
  int fill(byte[] b, int off, int len) {
    if (index >= 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH)) {
      System.arraycopy(window, WINDOW_SIZE, window, 0, WINDOW_SIZE);
      index -= WINDOW_SIZE;
      windowEnd -= WINDOW_SIZE;
      blockStart = blockStart >= WINDOW_SIZE ? blockStart - WINDOW_SIZE : Integer.MAX_VALUE;
      hashOffset += WINDOW_SIZE;
      if (hashOffset > MAX_HASH_OFFSET) {
        int delta = hashOffset - 1;
        hashOffset -= delta;
        chainHead -= delta;
        for (int i = 0; i < hashPrev.length; i++) {
          hashPrev[i] = hashPrev[i] > delta ? hashPrev[i] - delta : 0;
        }
        for (int i = 0; i < hashHead.length; i++) {
          hashHead[i] = hashHead[i] > delta ? hashHead[i] - delta : 0;
        }
      }
    }
    int n = Math.min(len, window.length - windowEnd);
    System.arraycopy(b, off, window, windowEnd, n);
    windowEnd += n;
    return n;
  }

  /** Go's fillWindow: a dictionary's last 32 KiB entered into the chains of a fresh encoder. */
  void dictionary(byte[] b, int off, int len) {
    if (len > WINDOW_SIZE) {
      off += len - WINDOW_SIZE;
      len = WINDOW_SIZE;
    }
    System.arraycopy(b, off, window, windowEnd, len);
    int n = len;
    int loops = (n + 256 - MIN_MATCH) / 256;
    for (int j = 0; j < loops; j++) {
      int start = j * 256;
      int end = Math.min(start + 256 + MIN_MATCH - 1, n);
      for (int di = start; di <= end - MIN_MATCH; di++) {
        insert(di);
      }
    }
    windowEnd += n;
    index = n;
  }

  private void insert(int di) {
    int h = hash4(di);
    hashPrev[di & WINDOW_MASK] = hashHead[h];
    hashHead[h] = di + hashOffset;
  }

  private void writeBlock(int at, boolean sync) throws IOException {
    if (at > 0) {
      boolean have = blockStart <= at;
      int from = blockStart;
      blockStart = at;
      w.writeBlockDynamic(tokens, false, have ? window : null, from, have ? at - from : 0, sync);
    }
  }

  /** Go's deflateLazy: compresses the window up to the lookahead it needs, all of it on sync. */
  void step(boolean sync) throws IOException {
    if (windowEnd - index < MIN_MATCH + MAX_MATCH && !sync) {
      return;
    }
    if (windowEnd != index && literals != null) {
      Arrays.fill(histogram, 0);
      for (int i = index; i < windowEnd; i++) {
        histogram[window[i] & 0xff]++;
      }
      for (int i = 0; i < 256; i++) {
        // Go counts in uint16: 64 KiB of one byte counts as none
        histogram[i] &= 0xffff;
      }
      literals.generate(histogram, 256, 15);
    }
    maxInsertIndex = windowEnd - (MIN_MATCH - 1);
    while (true) {
      int lookahead = windowEnd - index;
      if (lookahead < MIN_MATCH + MAX_MATCH) {
        if (!sync) {
          return;
        }
        if (lookahead == 0) {
          if (byteAvailable) {
            tokens.addLiteral(window[index - 1] & 0xff);
            byteAvailable = false;
          }
          if (tokens.n > 0) {
            writeBlock(index, sync);
            tokens.reset();
          }
          return;
        }
      }
      if (index < maxInsertIndex) {
        int h = hash4(index);
        int ch = hashHead[h];
        chainHead = ch;
        hashPrev[index & WINDOW_MASK] = ch;
        hashHead[h] = index + hashOffset;
      }
      int prevLength = length;
      int prevOffset = offset;
      length = MIN_MATCH - 1;
      offset = 0;
      int minIndex = Math.max(index - WINDOW_SIZE, 0);
      if (chainHead - hashOffset >= minIndex && lookahead > prevLength && prevLength < lazy) {
        if (findMatch(index, chainHead - hashOffset, lookahead)) {
          length = matchLength;
          offset = matchOffset;
        }
      }
      if (prevLength >= MIN_MATCH && length <= prevLength) {
        // a longer match may start where the previous one ends (klauspost's checkOff 2)
        int prevIndex = index - 1;
        if (prevIndex + prevLength + 2 < maxInsertIndex) {
          int end = Math.min(lookahead, MAX_MATCH) + prevIndex;
          int idx = prevIndex + prevLength - 2;
          int ch2 = hashHead[hash4(idx)] - hashOffset - prevLength + 2;
          if (ch2 > minIndex) {
            int l = matchLen(prevIndex, end, ch2);
            if (l > prevLength) {
              prevLength = l;
              prevOffset = prevIndex - ch2;
            }
          }
        }
        tokens.addMatch(prevLength - 3, prevOffset - 1);
        int newIndex = index + prevLength - 1;
        int end = Math.min(newIndex, maxInsertIndex) + MIN_MATCH - 1;
        int start = Math.min(index + 1, maxInsertIndex);
        for (int di = start; di <= end - MIN_MATCH; di++) {
          insert(di);
        }
        index = newIndex;
        byteAvailable = false;
        length = MIN_MATCH - 1;
        if (tokens.n == MAX_FLATE_BLOCK_TOKENS) {
          writeBlock(index, sync);
          tokens.reset();
        }
        ii = 0;
      } else {
        if (length >= MIN_MATCH) {
          ii = 0;
        }
        if (byteAvailable) {
          ii = (ii + 1) & 0xffff;
          tokens.addLiteral(window[index - 1] & 0xff);
          if (tokens.n == MAX_FLATE_BLOCK_TOKENS) {
            writeBlock(index, sync);
            tokens.reset();
          }
          index++;
          int n = ii - chain;
          if (n > 0) {
            // a long run without matches: skip ahead faster
            n = 1 + (n >> 6);
            for (int j = 0; j < n; j++) {
              if (index >= windowEnd - 1) {
                break;
              }
              tokens.addLiteral(window[index - 1] & 0xff);
              if (tokens.n == MAX_FLATE_BLOCK_TOKENS) {
                writeBlock(index, sync);
                tokens.reset();
              }
              if (index < maxInsertIndex) {
                int h = hash4(index);
                int ch = hashHead[h];
                chainHead = ch;
                hashPrev[index & WINDOW_MASK] = ch;
                hashHead[h] = index + hashOffset;
              }
              index++;
            }
            tokens.addLiteral(window[index - 1] & 0xff);
            byteAvailable = false;
            if (tokens.n == MAX_FLATE_BLOCK_TOKENS) {
              writeBlock(index, sync);
              tokens.reset();
            }
          }
        } else {
          index++;
          byteAvailable = true;
        }
      }
    }
  }

  /**
   * Go's (klauspost's) findMatch: the chain from prevHead walked for a match longer than 3, by
   * length below chain 100, by estimated gain in bits at level 9. Sets matchLength and matchOffset.
   */
  private boolean findMatch(int pos, int prevHead, int lookahead) {
    int minMatchLook = Math.min(MAX_MATCH, lookahead);
    int niceLen = Math.min(minMatchLook, nice);
    int tries = chain;
    int len = MIN_MATCH - 1;
    byte wEnd = window[pos + len];
    int minIndex = Math.max(pos - WINDOW_SIZE, 0);
    int off = 0;
    boolean ok = false;
    int cGain = 0;
    for (int i = prevHead; tries > 0; tries--) {
      if (wEnd == window[i + len]) {
        int n = matchLen(i, i + minMatchLook, pos);
        if (n > len) {
          boolean better;
          if (chain < 100) {
            better = true;
          } else {
            int gain =
                literals.bitLengthRaw(window, pos, n)
                    - DeflateTables.offsetExtraBits(Tokens.offsetCode(pos - i))
                    - 6
                    - Tokens.lengthExtraBits(DeflateTables.lengthCode((n - 3) & 255));
            better = gain > cGain;
            if (better) {
              cGain = gain;
            }
          }
          if (better) {
            len = n;
            off = pos - i;
            ok = true;
            if (n >= niceLen) {
              break;
            }
            wEnd = window[pos + n];
          }
        }
      }
      if (i <= minIndex) {
        break;
      }
      i = hashPrev[i & WINDOW_MASK] - hashOffset;
      if (i < minIndex) {
        break;
      }
    }
    matchLength = len;
    matchOffset = off;
    return ok;
  }

  /** Length of the match of window[a..aEnd) against window from b on. */
  private int matchLen(int a, int aEnd, int b) {
    int n = aEnd - a;
    int i = Arrays.mismatch(window, a, aEnd, window, b, b + n);
    return i < 0 ? n : i;
  }
}

package io.strata.store.deflate.klauspost;

import java.util.Arrays;

/**
 * A Huffman code as klauspost's {@code huffmanEncoder} holds it: per symbol one int, its length in
 * the low 8 bits and its bit-reversed code above (0: no code). The lengths come from the same
 * package-merge as Go's standard library, but {@link #generate} only rewrites the first {@code n}
 * symbols: klauspost's block writer swaps codes between blocks and asks whether the previous
 * block's code covers the next one, so what is left past {@code n} is part of the output.
 */
final class HuffmanCode {
  private static final int MAX_BITS_LIMIT = 16;
  private static final int MAX_FREQ = Integer.MAX_VALUE;

  final int[] codes;

  private final long[] sorted = new long[287];
  private final int[] nodeLiteral = new int[288];
  private final int[] nodeFreq = new int[288];
  private final int[] bitCount = new int[17];
  private final int[] levelLastFreq = new int[MAX_BITS_LIMIT + 1];
  private final int[] levelNextCharFreq = new int[MAX_BITS_LIMIT + 1];
  private final int[] levelNextPairFreq = new int[MAX_BITS_LIMIT + 1];
  private final int[] levelNeeded = new int[MAX_BITS_LIMIT + 1];
  private final int[][] leafCounts = new int[MAX_BITS_LIMIT][MAX_BITS_LIMIT];

  HuffmanCode(int size) {
    codes = new int[size];
  }

  static int code(int code, int length) {
    return length | code << 8;
  }

  static int length(int hcode) {
    return hcode & 0xff;
  }

  static final HuffmanCode FIXED_LITERALS = fixedLiterals();
  static final HuffmanCode FIXED_OFFSETS = fixedOffsets();

  private static HuffmanCode fixedLiterals() {
    HuffmanCode h = new HuffmanCode(286);
    for (int ch = 0; ch < 286; ch++) {
      int bits;
      int size;
      if (ch < 144) {
        bits = ch + 48;
        size = 8;
      } else if (ch < 256) {
        bits = ch + 400 - 144;
        size = 9;
      } else if (ch < 280) {
        bits = ch - 256;
        size = 7;
      } else {
        bits = ch + 192 - 280;
        size = 8;
      }
      h.codes[ch] = code(reverse(bits, size), size);
    }
    return h;
  }

  private static HuffmanCode fixedOffsets() {
    HuffmanCode h = new HuffmanCode(30);
    for (int ch = 0; ch < 30; ch++) {
      h.codes[ch] = code(reverse(ch, 5), 5);
    }
    return h;
  }

  static int reverse(int code, int length) {
    return Integer.reverse(code << (16 - length) & 0xffff) >>> 16;
  }

  /** Bits the symbols counted in {@code freq[0..n)} take with this code. */
  int bitLength(int[] freq, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
      if (freq[i] != 0) {
        total += freq[i] * (codes[i] & 0xff);
      }
    }
    return total;
  }

  /** Bits the bytes {@code b[off..off+len)} take as literals. */
  int bitLengthRaw(byte[] b, int off, int len) {
    int total = 0;
    for (int i = off; i < off + len; i++) {
      total += codes[b[i] & 0xff] & 0xff;
    }
    return total;
  }

  /** As {@link #bitLength}, or Integer.MAX_VALUE when a counted symbol has no code. */
  int canReuseBits(int[] freq, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
      if (freq[i] != 0) {
        int c = codes[i];
        if (c == 0) {
          return Integer.MAX_VALUE;
        }
        total += freq[i] * (c & 0xff);
      }
    }
    return total;
  }

  /** Builds the code of {@code freq[0..n)}, no code longer than maxBits; codes past n are kept. */
  void generate(int[] freq, int n, int maxBits) {
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (freq[i] != 0) {
        // ordered by frequency, then symbol
        sorted[count++] = ((long) freq[i] << 16) | i;
      } else {
        codes[i] = 0;
      }
    }
    if (count <= 2) {
      // one or two symbols: codes 0 and 1 of length 1, in symbol order, unsorted
      for (int i = 0; i < count; i++) {
        codes[(int) (sorted[i] & 0xffff)] = code(i, 1);
      }
      return;
    }
    SortByFreq.sort(sorted, count);
    for (int i = 0; i < count; i++) {
      nodeLiteral[i] = (int) (sorted[i] & 0xffff);
      nodeFreq[i] = (int) (sorted[i] >>> 16);
    }
    int top = bitCounts(count, maxBits);
    assign(count, top);
  }

  /** The package-merge of Go's and klauspost's bitCounts: how many symbols get each length. */
  private int bitCounts(int n, int maxBits) {
    nodeLiteral[n] = 0xffff;
    nodeFreq[n] = MAX_FREQ;
    if (maxBits > n - 1) {
      maxBits = n - 1;
    }
    Arrays.fill(levelLastFreq, 0);
    Arrays.fill(levelNextCharFreq, 0);
    Arrays.fill(levelNextPairFreq, 0);
    Arrays.fill(levelNeeded, 0);
    for (int[] row : leafCounts) {
      Arrays.fill(row, 0);
    }
    for (int level = 1; level <= maxBits; level++) {
      levelLastFreq[level] = nodeFreq[1];
      levelNextCharFreq[level] = nodeFreq[2];
      levelNextPairFreq[level] = nodeFreq[0] + nodeFreq[1];
      leafCounts[level][level] = 2;
      if (level == 1) {
        levelNextPairFreq[level] = MAX_FREQ;
      }
    }
    levelNeeded[maxBits] = 2 * n - 4;
    int level = maxBits;
    while (level < 16) {
      if (levelNextPairFreq[level] == MAX_FREQ && levelNextCharFreq[level] == MAX_FREQ) {
        levelNeeded[level] = 0;
        levelNextPairFreq[level + 1] = MAX_FREQ;
        level++;
        continue;
      }
      int prevFreq = levelLastFreq[level];
      if (levelNextCharFreq[level] < levelNextPairFreq[level]) {
        int next = leafCounts[level][level] + 1;
        levelLastFreq[level] = levelNextCharFreq[level];
        leafCounts[level][level] = next;
        levelNextCharFreq[level] = nodeFreq[next];
      } else {
        levelLastFreq[level] = levelNextPairFreq[level];
        System.arraycopy(leafCounts[level - 1], 0, leafCounts[level], 0, level);
        levelNeeded[level - 1] = 2;
      }
      if (--levelNeeded[level] == 0) {
        if (level == maxBits) {
          break;
        }
        levelNextPairFreq[level + 1] = prevFreq + levelLastFreq[level];
        level++;
      } else {
        while (levelNeeded[level - 1] > 0) {
          level--;
        }
      }
    }
    if (leafCounts[maxBits][maxBits] != n) {
      throw new IllegalStateException("Huffman leaf count " + leafCounts[maxBits][maxBits]);
    }
    int bits = 1;
    int[] counts = leafCounts[maxBits];
    Arrays.fill(bitCount, 0);
    for (int l = maxBits; l > 0; l--) {
      bitCount[bits] = counts[l] - counts[l - 1];
      bits++;
    }
    return maxBits;
  }

  /** Canonical codes: the most frequent symbols take the shortest lengths, in symbol order. */
  private void assign(int count, int top) {
    int code = 0;
    int end = count;
    for (int n = 0; n <= top; n++) {
      code = (code << 1) & 0xffff;
      int bits = bitCount[n];
      if (n == 0 || bits == 0) {
        continue;
      }
      int start = end - bits;
      int[] chunk = Arrays.copyOfRange(nodeLiteral, start, end);
      Arrays.sort(chunk);
      for (int literal : chunk) {
        codes[literal] = code(reverse(code, n), n);
        code++;
      }
      end = start;
    }
  }
}

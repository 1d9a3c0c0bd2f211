package io.strata.store.deflate;

import java.util.Arrays;

/**
 * Length-limited Huffman codes built the way Go's {@code huffmanEncoder} builds them: symbols
 * sorted by (frequency, symbol), bit lengths by Go's package-merge variant, then canonical codes
 * assigned within each length in symbol order. Any other optimal code would decode the same but not
 * produce Go's bytes, so each step keeps Go's tie-breaking.
 */
final class HuffmanEncoder {
  private static final int MAX_BITS_LIMIT = 16;
  private static final int MAX_FREQ = Integer.MAX_VALUE;

  /** Bit-reversed code of each symbol (deflate writes codes least significant bit first). */
  final int[] codes;

  /** Length in bits of each symbol's code; 0 for a symbol that has none. */
  final int[] lens;

  private final long[] sorted;
  private final int[] nodeLiteral;
  private final int[] nodeFreq;
  private final int[] bitCount = new int[17];

  HuffmanEncoder(int size) {
    codes = new int[size];
    lens = new int[size];
    sorted = new long[DeflateTables.MAX_NUM_LIT + 1];
    nodeLiteral = new int[DeflateTables.MAX_NUM_LIT + 2];
    nodeFreq = new int[DeflateTables.MAX_NUM_LIT + 2];
  }

  /** The fixed literal/length code of RFC 1951 §3.2.6. */
  static HuffmanEncoder fixedLiterals() {
    HuffmanEncoder h = new HuffmanEncoder(DeflateTables.MAX_NUM_LIT);
    for (int ch = 0; ch < DeflateTables.MAX_NUM_LIT; ch++) {
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
      h.codes[ch] = reverse(bits, size);
      h.lens[ch] = size;
    }
    return h;
  }

  /** The fixed distance code: 5 bits each. */
  static HuffmanEncoder fixedOffsets() {
    HuffmanEncoder h = new HuffmanEncoder(DeflateTables.OFFSET_CODE_COUNT);
    for (int ch = 0; ch < DeflateTables.OFFSET_CODE_COUNT; ch++) {
      h.codes[ch] = reverse(ch, 5);
      h.lens[ch] = 5;
    }
    return h;
  }

  static int reverse(int code, int length) {
    return Integer.reverse(code) >>> (32 - length);
  }

  /** Bits the symbols counted in {@code freq} take with this code. */
  int bitLength(int[] freq) {
    int total = 0;
    for (int i = 0; i < freq.length; i++) {
      if (freq[i] != 0) {
        total += freq[i] * lens[i];
      }
    }
    return total;
  }

  /** Builds the code for {@code freq} (one entry per symbol), no code longer than maxBits. */
  void generate(int[] freq, int maxBits) {
    int count = 0;
    for (int i = 0; i < freq.length; i++) {
      if (freq[i] != 0) {
        // Go orders by frequency, then symbol: one long key keeps both.
        sorted[count++] = ((long) freq[i] << 16) | i;
      } else {
        lens[i] = 0;
      }
    }
    if (count <= 2) {
      // Go gives one or two symbols the codes 0 and 1 in symbol order, without sorting.
      int k = 0;
      for (int i = 0; i < freq.length; i++) {
        if (freq[i] != 0) {
          codes[i] = k++;
          lens[i] = 1;
        }
      }
      return;
    }
    Arrays.sort(sorted, 0, count);
    for (int i = 0; i < count; i++) {
      nodeLiteral[i] = (int) (sorted[i] & 0xffff);
      nodeFreq[i] = (int) (sorted[i] >>> 16);
    }
    int top = bitCounts(count, maxBits);
    assign(count, top);
  }

  /**
   * Go's package-merge: for each code length, how many symbols get it. Fills bitCount[1..top] and
   * returns top.
   */
  private int bitCounts(int n, int maxBits) {
    if (maxBits >= MAX_BITS_LIMIT) {
      throw new IllegalArgumentException("maxBits too large: " + maxBits);
    }
    nodeLiteral[n] = 0xffff;
    nodeFreq[n] = MAX_FREQ;
    if (maxBits > n - 1) {
      maxBits = n - 1;
    }
    int[] levelLastFreq = new int[MAX_BITS_LIMIT + 1];
    int[] levelNextCharFreq = new int[MAX_BITS_LIMIT + 1];
    int[] levelNextPairFreq = new int[MAX_BITS_LIMIT + 1];
    int[] levelNeeded = new int[MAX_BITS_LIMIT + 1];
    int[][] leafCounts = new int[MAX_BITS_LIMIT][MAX_BITS_LIMIT];
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
    while (true) {
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
      code <<= 1;
      int bits = bitCount[n];
      if (n == 0 || bits == 0) {
        continue;
      }
      int start = end - bits;
      int[] chunk = Arrays.copyOfRange(nodeLiteral, start, end);
      Arrays.sort(chunk);
      for (int literal : chunk) {
        codes[literal] = reverse(code, n);
        lens[literal] = n;
        code++;
      }
      end = start;
    }
  }
}

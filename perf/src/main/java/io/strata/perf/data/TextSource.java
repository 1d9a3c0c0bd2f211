package io.strata.perf.data;

import java.util.SplittableRandom;

/**
 * An endless stream of text-like bytes: words from a seeded vocabulary of 4,096, picked at random,
 * with a line break every dozen words. About 12 bits of entropy per word of 7 bytes, so zstd
 * shrinks it 2–3x; the random order means no two chunks repeat.
 */
final class TextSource {
  private static final int WORDS = 4096;

  /** Each word twice: ending in a space and ending in a line break. */
  private final byte[][] spaced = new byte[WORDS][];

  private final byte[][] broken = new byte[WORDS][];
  private final SplittableRandom random;
  private byte[] word = new byte[0];
  private int wordPos;
  private int wordsOnLine;

  TextSource(long seed) {
    SplittableRandom v = new SplittableRandom(seed ^ 0x5EEDL);
    for (int i = 0; i < WORDS; i++) {
      byte[] w = new byte[3 + v.nextInt(9)];
      for (int j = 0; j < w.length - 1; j++) {
        w[j] = (byte) ('a' + v.nextInt(26));
      }
      w[w.length - 1] = ' ';
      spaced[i] = w;
      broken[i] = w.clone();
      broken[i][w.length - 1] = '\n';
    }
    this.random = new SplittableRandom(seed);
  }

  /** Writes the next {@code len} bytes of the stream into {@code b} at {@code off}. */
  void fill(byte[] b, int off, int len) {
    int end = off + len;
    while (off < end) {
      if (wordPos == word.length) {
        nextWord();
      }
      int n = Math.min(word.length - wordPos, end - off);
      System.arraycopy(word, wordPos, b, off, n);
      wordPos += n;
      off += n;
    }
  }

  private void nextWord() {
    int i = random.nextInt(WORDS);
    word = ++wordsOnLine % 12 == 0 ? broken[i] : spaced[i];
    wordPos = 0;
  }
}

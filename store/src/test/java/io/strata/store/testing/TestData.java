package io.strata.store.testing;

import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * Deterministic test content: random bytes, or text-like bytes that compress about 3:1, from a
 * seed, so a test can regenerate what it stored instead of keeping it.
 */
public final class TestData {
  private TestData() {}

  /** {@code n} random bytes from {@code seed}. */
  public static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    fillRandom(new SplittableRandom(seed), b, 0, n);
    return b;
  }

  /** {@code n} bytes of words from a small vocabulary: compressible, and chunkable. */
  public static byte[] text(long seed, int n) {
    byte[] b = new byte[n];
    fillText(new SplittableRandom(seed), b, 0, n);
    return b;
  }

  /** A stream of {@code size} text-like bytes from {@code seed}, generated as it is read. */
  public static InputStream textStream(long seed, long size) {
    SplittableRandom rnd = new SplittableRandom(seed);
    return new InputStream() {
      long left = size;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        fillText(rnd, b, off, n);
        left -= n;
        return n;
      }
    };
  }

  private static final String[] WORDS = {
    "layer",
    "chunk",
    "digest",
    "image",
    "container",
    "volume",
    "snapshot",
    "extent",
    "record",
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "is",
    "store",
    "pack",
    "index",
    "root",
    "btrfs",
    "zfs",
    "overlay",
    "commit",
    "manifest",
    "config",
    "tar",
    "gzip",
    "zstd",
    "lz4",
    "sha256",
    "dedup"
  };

  private static void fillText(SplittableRandom rnd, byte[] b, int off, int n) {
    int i = off;
    int end = off + n;
    while (i < end) {
      String w = WORDS[rnd.nextInt(WORDS.length)];
      for (int k = 0; k < w.length() && i < end; k++) {
        b[i++] = (byte) w.charAt(k);
      }
      if (i < end) {
        b[i++] = (byte) (rnd.nextInt(12) == 0 ? '\n' : ' ');
      }
      if (rnd.nextInt(50) == 0 && i + 8 <= end) {
        long v = rnd.nextLong();
        for (int k = 0; k < 8; k++) {
          b[i++] = (byte) ('0' + ((v >>> (k * 4)) & 7));
        }
      }
    }
  }

  private static void fillRandom(SplittableRandom rnd, byte[] b, int off, int n) {
    int i = off;
    while (i + 8 <= off + n) {
      long v = rnd.nextLong();
      for (int k = 0; k < 8; k++) {
        b[i++] = (byte) (v >>> (8 * k));
      }
    }
    while (i < off + n) {
      b[i++] = (byte) rnd.nextInt();
    }
  }
}

package io.strata.store.deflate.klauspost;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A raw deflate stream, byte for byte what klauspost/compress 1.15's {@code flate.Writer} writes:
 * levels 1..6 (its DefaultCompression, −1, is 5) through its fast encoders, 65535 bytes of input
 * per block; 7..9 through its lazy matcher; 0 stored; −2 Huffman only. Like Go's, the output does
 * not depend on how the input is cut into {@link #write} calls. {@link #flush} is Go's {@code
 * Flush} (a sync marker), {@link #finish} its {@code Close}.
 */
public final class KlauspostDeflater {
  public static final int NO_COMPRESSION = 0;
  public static final int BEST_SPEED = 1;
  public static final int BEST_COMPRESSION = 9;
  public static final int DEFAULT_COMPRESSION = -1;
  public static final int HUFFMAN_ONLY = -2;

  /** What klauspost's DefaultCompression (−1) means. */
  public static final int DEFAULT_LEVEL = 5;

  private static final int MAX_STORE_BLOCK = 65535;
  private static final int MAX_MATCH_OFFSET = 1 << 15;

  private enum Mode {
    STORE,
    HUFFMAN,
    FAST,
    LAZY
  }

  private final Mode mode;
  private final int level;
  private final HuffmanBitWriter w;
  private final FastGen fast;
  private final LazyEncoder lazy;
  // a fast encoder's block of literals, or the lazy matcher's 32 Ki tokens, and an end of block
  private final Tokens tokens = new Tokens(MAX_STORE_BLOCK + 1);
  private final byte[] window;
  private int windowEnd;
  private boolean sync;
  private boolean finished;

  public KlauspostDeflater(OutputStream out, int level) {
    if (!supported(level)) {
      throw new IllegalArgumentException("klauspost flate level " + level + " is not supported");
    }
    int l = level == DEFAULT_COMPRESSION ? DEFAULT_LEVEL : level;
    this.level = l;
    if (l == NO_COMPRESSION) {
      mode = Mode.STORE;
      w = new HuffmanBitWriter(out, 0);
      window = new byte[MAX_STORE_BLOCK];
      fast = null;
      lazy = null;
    } else if (l == HUFFMAN_ONLY) {
      mode = Mode.HUFFMAN;
      w = new HuffmanBitWriter(out, 10);
      window = new byte[32 << 10];
      fast = null;
      lazy = null;
    } else if (l >= 7) {
      mode = Mode.LAZY;
      w = new HuffmanBitWriter(out, 8);
      window = null;
      fast = null;
      lazy = new LazyEncoder(l, w, tokens);
    } else {
      mode = Mode.FAST;
      w = new HuffmanBitWriter(out, 7);
      window = new byte[MAX_STORE_BLOCK];
      fast = newFastEncoder(l);
      lazy = null;
    }
  }

  /** Whether this port reproduces klauspost's level {@code level}: −2..9. */
  public static boolean supported(int level) {
    return level >= HUFFMAN_ONLY && level <= BEST_COMPRESSION;
  }

  /** The level this deflater runs at (−1 given as 5). */
  public int level() {
    return level;
  }

  private static FastGen newFastEncoder(int level) {
    return switch (level) {
      case 1 -> new FastEncL1();
      case 2 -> new FastEncL2();
      case 3 -> new FastEncL3();
      case 4 -> new FastEncL4();
      case 5 -> new FastEncL5();
      case 6 -> new FastEncL6();
      default -> throw new IllegalArgumentException("no fast encoder for level " + level);
    };
  }

  /**
   * Primes a fresh deflater with a dictionary, as Go's {@code ResetDict} after {@code NewWriter}:
   * the fast encoders encode its last 32 KiB and drop the tokens (pgzip's blocks start so).
   */
  public void dictionary(byte[] b, int off, int len) {
    if (mode == Mode.LAZY) {
      lazy.dictionary(b, off, len);
      return;
    }
    if (mode != Mode.FAST) {
      return;
    }
    // Go's ResetDict resets first: the tables' entries move out of reach
    fast.reset();
    if (len > MAX_MATCH_OFFSET) {
      off += len - MAX_MATCH_OFFSET;
      len = MAX_MATCH_OFFSET;
    }
    fast.encode(tokens, b, off, len);
    tokens.reset();
  }

  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IllegalStateException("deflate stream already finished");
    }
    while (len > 0) {
      if (mode == Mode.LAZY) {
        if (lazy.full() || sync) {
          step();
        }
        int n = lazy.fill(b, off, len);
        off += n;
        len -= n;
        continue;
      }
      if (windowEnd == window.length || sync) {
        step();
      }
      int n = Math.min(len, window.length - windowEnd);
      System.arraycopy(b, off, window, windowEnd, n);
      windowEnd += n;
      off += n;
      len -= n;
    }
  }

  /** Go's {@code Flush}: compresses what is buffered and writes a sync marker. */
  public void flush() throws IOException {
    sync = true;
    step();
    w.writeStoredHeader(0, false);
    w.flush();
    sync = false;
  }

  /** Go's {@code Close}: the rest, then an empty final block. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    sync = true;
    step();
    w.writeStoredHeader(0, true);
    w.flush();
  }

  private void step() throws IOException {
    switch (mode) {
      case STORE -> store();
      case HUFFMAN -> storeHuff();
      case FAST -> storeFast();
      case LAZY -> lazy.step(sync);
    }
  }

  private void store() throws IOException {
    if (windowEnd > 0 && (windowEnd == MAX_STORE_BLOCK || sync)) {
      writeStoredBlock(windowEnd);
      windowEnd = 0;
    }
  }

  private void writeStoredBlock(int n) throws IOException {
    w.writeStoredHeader(n, false);
    w.writeBytes(window, 0, n);
  }

  private void storeHuff() throws IOException {
    if (windowEnd < window.length && !sync || windowEnd == 0) {
      return;
    }
    w.writeBlockHuff(false, window, 0, windowEnd, sync);
    windowEnd = 0;
  }

  private void storeFast() throws IOException {
    if (windowEnd < window.length) {
      if (!sync) {
        return;
      }
      if (windowEnd < 128) {
        if (windowEnd == 0) {
          return;
        }
        if (windowEnd <= 32) {
          writeStoredBlock(windowEnd);
        } else {
          w.writeBlockHuff(false, window, 0, windowEnd, true);
        }
        tokens.reset();
        windowEnd = 0;
        fast.reset();
        return;
      }
    }
    fast.encode(tokens, window, 0, windowEnd);
    if (tokens.n == 0) {
      writeStoredBlock(windowEnd);
    } else if (tokens.n > windowEnd - (windowEnd >> 4)) {
      // fewer than a sixteenth of the bytes went into matches
      w.writeBlockHuff(false, window, 0, windowEnd, sync);
    } else {
      w.writeBlockDynamic(tokens, false, window, 0, windowEnd, sync);
    }
    tokens.reset();
    windowEnd = 0;
  }
}

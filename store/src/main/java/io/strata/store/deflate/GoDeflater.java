package io.strata.store.deflate;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A raw deflate stream, byte for byte what Go's {@code compress/flate} Writer writes at the same
 * level: {@link #NO_COMPRESSION} (stored blocks of 65535 bytes), {@link #HUFFMAN_ONLY}, 1 (Go's
 * fast encoder), 2..9 (hash chains, with Go's per-level parameters; 2 and 3 without lazy matching)
 * and −1 (6). The output does not depend on how the input is cut into {@link #write} calls, as Go's
 * does not; {@link #finish} ends the stream as Go's {@code Close} does.
 */
public final class GoDeflater {
  public static final int NO_COMPRESSION = 0;
  public static final int BEST_SPEED = 1;
  public static final int BEST_COMPRESSION = 9;
  public static final int DEFAULT_COMPRESSION = -1;
  public static final int HUFFMAN_ONLY = -2;

  private static final int WINDOW_SIZE = 1 << 15;
  private static final int WINDOW_MASK = WINDOW_SIZE - 1;
  private static final int MIN_MATCH = 4;
  private static final int MAX_MATCH = 258;
  private static final int MAX_FLATE_BLOCK_TOKENS = 1 << 14;
  private static final int MAX_STORE_BLOCK = 65535;
  private static final int HASH_BITS = 17;
  private static final int HASH_SIZE = 1 << HASH_BITS;
  private static final int HASH_MASK = HASH_SIZE - 1;
  private static final int MAX_HASH_OFFSET = 1 << 24;
  private static final int SKIP_NEVER = Integer.MAX_VALUE;
  private static final int HASH_MUL = 0x1e35a7bd;

  /** Go's table: good, lazy, nice, chain, fastSkipHashing for levels 2..9. */
  private static final int[][] LEVELS = {
    {4, 0, 16, 8, 5},
    {4, 0, 32, 32, 6},
    {4, 4, 16, 16, SKIP_NEVER},
    {8, 16, 32, 32, SKIP_NEVER},
    {8, 16, 128, 128, SKIP_NEVER},
    {8, 32, 128, 256, SKIP_NEVER},
    {32, 128, 258, 1024, SKIP_NEVER},
    {32, 258, 258, 4096, SKIP_NEVER},
  };

  private enum Mode {
    STORE,
    HUFFMAN,
    FAST,
    CHAINS
  }

  private final Mode mode;
  private final HuffmanBitWriter w;
  private final byte[] window;
  private int windowEnd;
  private boolean sync;
  private boolean finished;

  // Level 1.
  private final FastEncoder fast;
  private int[] tokens;
  private int ntokens;

  // Levels 2..9.
  private int good;
  private int lazy;
  private int nice;
  private int chain;
  private int fastSkipHashing;
  private int chainHead = -1;
  private int[] hashHead;
  private int[] hashPrev;
  private int hashOffset = 1;
  private int index;
  private int blockStart;
  private boolean byteAvailable;
  private int length = MIN_MATCH - 1;
  private int offset;
  private int maxInsertIndex;
  // input position of window[0]: the window slides by 32 KiB
  private long windowBase;

  // Checkpoints (levels 4..9): recorded every checkpointEvery input bytes, or a resumed segment's
  // end, the block boundary it stops after.
  private boolean blockWritten;
  private long checkpointEvery;
  private long nextCheckpoint = Long.MAX_VALUE;
  private java.util.function.Consumer<DeflateCheckpoint> checkpoints;
  private long stopAfter = -1;
  private boolean stopped;

  public GoDeflater(OutputStream out, int level) {
    if (level < HUFFMAN_ONLY || level > BEST_COMPRESSION) {
      throw new IllegalArgumentException("deflate level " + level + " is not in −2..9");
    }
    w = new HuffmanBitWriter(out);
    if (level == DEFAULT_COMPRESSION) {
      level = 6;
    }
    if (level == NO_COMPRESSION || level == HUFFMAN_ONLY) {
      mode = level == NO_COMPRESSION ? Mode.STORE : Mode.HUFFMAN;
      window = new byte[MAX_STORE_BLOCK];
      fast = null;
    } else if (level == BEST_SPEED) {
      mode = Mode.FAST;
      window = new byte[MAX_STORE_BLOCK];
      fast = new FastEncoder();
      tokens = new int[MAX_STORE_BLOCK + 1];
    } else {
      mode = Mode.CHAINS;
      int[] p = LEVELS[level - 2];
      good = p[0];
      lazy = p[1];
      nice = p[2];
      chain = p[3];
      fastSkipHashing = p[4];
      window = new byte[2 * WINDOW_SIZE];
      hashHead = new int[HASH_SIZE];
      hashPrev = new int[WINDOW_SIZE];
      tokens = new int[MAX_FLATE_BLOCK_TOKENS + 1];
      fast = null;
    }
  }

  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IllegalStateException("deflate stream already finished");
    }
    while (len > 0 && !stopped) {
      step();
      if (stopped) {
        return;
      }
      int n = fill(b, off, len);
      off += n;
      len -= n;
    }
  }

  /** Ends the stream: the last block, then an empty final stored block, as Go's Close writes. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    sync = true;
    step();
    w.writeStoredHeader(0, true);
    w.flush();
    finished = true;
  }

  private void step() throws IOException {
    switch (mode) {
      case STORE -> store();
      case HUFFMAN -> storeHuff();
      case FAST -> encSpeed();
      case CHAINS -> deflate();
    }
  }

  private int fill(byte[] b, int off, int len) {
    if (mode == Mode.CHAINS) {
      slideIfNeeded();
    }
    int n = Math.min(len, window.length - windowEnd);
    System.arraycopy(b, off, window, windowEnd, n);
    windowEnd += n;
    return n;
  }

  private void store() throws IOException {
    if (windowEnd > 0 && (windowEnd == MAX_STORE_BLOCK || sync)) {
      w.writeStored(window, 0, windowEnd);
      windowEnd = 0;
    }
  }

  private void storeHuff() throws IOException {
    if (windowEnd < window.length && !sync || windowEnd == 0) {
      return;
    }
    w.writeBlockHuff(window, windowEnd);
    windowEnd = 0;
  }

  private void encSpeed() throws IOException {
    if (windowEnd < MAX_STORE_BLOCK) {
      if (!sync) {
        return;
      }
      if (windowEnd < 128) {
        if (windowEnd == 0) {
          return;
        } else if (windowEnd <= 16) {
          w.writeStored(window, 0, windowEnd);
        } else {
          w.writeBlockHuff(window, windowEnd);
        }
        windowEnd = 0;
        fast.reset();
        return;
      }
    }
    ntokens = fast.encode(tokens, window, windowEnd);
    if (ntokens > windowEnd - (windowEnd >> 4)) {
      w.writeBlockHuff(window, windowEnd);
    } else {
      w.writeBlockDynamic(tokens, ntokens, window, windowEnd);
    }
    windowEnd = 0;
  }

  /** Go's fillDeflate: slides the window down by 32 KiB once the position nears its end. */
  private void slideIfNeeded() {
    if (index < 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH)) {
      return;
    }
    System.arraycopy(window, WINDOW_SIZE, window, 0, WINDOW_SIZE);
    windowBase += WINDOW_SIZE;
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

  private void writeBlock(int end) throws IOException {
    if (end > 0) {
      boolean have = blockStart <= end;
      w.writeBlock(tokens, ntokens, false, have ? window : null, blockStart, end - blockStart);
      blockStart = end;
      blockWritten = true;
      if (stopAfter >= 0 && windowBase + end >= stopAfter) {
        if (windowBase + end != stopAfter) {
          throw new IllegalStateException(
              "deflate segment: no block ends at input byte "
                  + stopAfter
                  + " (one ends at "
                  + (windowBase + end)
                  + ")");
        }
        stopped = true;
      }
    }
  }

  /**
   * Records a checkpoint after the first block that ends at or past each multiple of {@code every}
   * input bytes ({@link DeflateCheckpoint}). Levels 4..9 only: below, long matches skip the hash
   * chains, whose state then depends on the whole input before.
   */
  public void recordCheckpoints(long every, java.util.function.Consumer<DeflateCheckpoint> sink) {
    if (!checkpointable()) {
      return;
    }
    checkpointEvery = every;
    nextCheckpoint = every;
    checkpoints = sink;
  }

  /** Whether streams of this level can be cut at checkpoints: levels 4..9. */
  public boolean checkpointable() {
    return mode == Mode.CHAINS && fastSkipHashing == SKIP_NEVER;
  }

  /** Called between two steps of the loop, after a block was written. */
  private void blockBoundary() {
    blockWritten = false;
    long end = windowBase + blockStart;
    if (end >= nextCheckpoint) {
      checkpoints.accept(
          new DeflateCheckpoint(
              end, windowBase + index, windowBase, byteAvailable, length, offset, w.bitPosition()));
      nextCheckpoint = (end / checkpointEvery + 1) * checkpointEvery;
    }
  }

  /**
   * A deflater that takes the stream up at checkpoint {@code c}, writing its blocks to {@code out}
   * from the byte that holds bit {@code c.bitPosition()} (that byte's bits before it are zeros: the
   * segment before supplies them). {@code in[off..off+len)} is the input from {@code
   * c.windowBase()} on, at least up to {@code c.index()} and as much after as there is; the
   * returned count of it was taken, the rest goes to {@link #write}. With {@code stopAfter} ≥ 0 the
   * deflater stops after the block ending at that input position ({@link #stopped}); {@link
   * #endSegment} then writes out the last bits.
   */
  public static GoDeflater resume(
      OutputStream out,
      int level,
      DeflateCheckpoint c,
      long stopAfter,
      byte[] in,
      int off,
      int len,
      int[] taken) {
    GoDeflater d = new GoDeflater(out, level);
    if (!d.checkpointable()) {
      throw new IllegalArgumentException("deflate level " + level + " has no checkpoints");
    }
    int history = (int) (c.index() - c.windowBase());
    if (len < history) {
      throw new IllegalArgumentException("a segment needs the input from its window on");
    }
    d.w.startAtBit((int) (c.bitPosition() & 7));
    d.windowBase = c.windowBase();
    int n = Math.min(len, d.window.length);
    System.arraycopy(in, off, d.window, 0, n);
    d.windowEnd = n;
    d.index = history;
    d.blockStart = (int) (c.blockEnd() - c.windowBase());
    d.byteAvailable = c.byteAvailable();
    d.length = c.length();
    d.offset = c.offset();
    d.stopAfter(stopAfter);
    // the hash chains as the stream had them: every position of the last 32 KiB entered, in order
    // (those farther back are out of reach of any match from here on)
    for (int i = Math.max(0, history - WINDOW_SIZE);
        i < Math.min(history, n - (MIN_MATCH - 1));
        i++) {
      d.insert(i);
    }
    taken[0] = n;
    return d;
  }

  /**
   * Makes this deflater stop after the block ending at input position {@code position} (−1: never),
   * the first segment of a stream compressed in segments; refused with {@link
   * IllegalStateException} by a write that finds no block ends there.
   */
  public void stopAfter(long position) {
    stopAfter = position;
  }

  /** Whether a segment reached the block it stops after ({@link #stopAfter}). */
  public boolean stopped() {
    return stopped;
  }

  /**
   * Compresses what the last {@link #write} left in the window without more input (as Go's next
   * write would), so a segment given its input in full reaches the block it stops after.
   */
  public void advance() throws IOException {
    if (!finished && !stopped) {
      step();
    }
  }

  /** Writes out a stopped segment's last bits, its last byte padded with zeros. */
  public void endSegment() throws IOException {
    if (!stopped) {
      throw new IllegalStateException("deflate segment: its last block was not written");
    }
    w.flush();
  }

  private int hash4(int i) {
    int v =
        (window[i + 3] & 0xff)
            | (window[i + 2] & 0xff) << 8
            | (window[i + 1] & 0xff) << 16
            | (window[i] & 0xff) << 24;
    return (v * HASH_MUL) >>> (32 - HASH_BITS);
  }

  private void insert(int i) {
    int h = hash4(i) & HASH_MASK;
    hashPrev[i & WINDOW_MASK] = hashHead[h];
    hashHead[h] = i + hashOffset;
  }

  private void deflate() throws IOException {
    if (windowEnd - index < MIN_MATCH + MAX_MATCH && !sync) {
      return;
    }
    maxInsertIndex = windowEnd - (MIN_MATCH - 1);
    while (true) {
      if (blockWritten) {
        blockBoundary();
        if (stopped) {
          return;
        }
      }
      int lookahead = windowEnd - index;
      if (lookahead < MIN_MATCH + MAX_MATCH) {
        if (!sync) {
          return;
        }
        if (lookahead == 0) {
          if (byteAvailable) {
            tokens[ntokens++] = Tokens.literal(window[index - 1] & 0xff);
            byteAvailable = false;
          }
          if (ntokens > 0) {
            writeBlock(index);
            ntokens = 0;
          }
          return;
        }
      }
      if (index < maxInsertIndex) {
        int h = hash4(index) & HASH_MASK;
        chainHead = hashHead[h];
        hashPrev[index & WINDOW_MASK] = chainHead;
        hashHead[h] = index + hashOffset;
      }
      int prevLength = length;
      int prevOffset = offset;
      length = MIN_MATCH - 1;
      offset = 0;
      int minIndex = Math.max(index - WINDOW_SIZE, 0);
      boolean skipping = fastSkipHashing != SKIP_NEVER;
      if (chainHead - hashOffset >= minIndex
          && (skipping && lookahead > MIN_MATCH - 1
              || !skipping && lookahead > prevLength && prevLength < lazy)) {
        findMatch(index, chainHead - hashOffset, MIN_MATCH - 1, lookahead);
      }
      if (skipping && length >= MIN_MATCH
          || !skipping && prevLength >= MIN_MATCH && length <= prevLength) {
        if (skipping) {
          tokens[ntokens++] = Tokens.match(length - 3, offset - 1);
        } else {
          tokens[ntokens++] = Tokens.match(prevLength - 3, prevOffset - 1);
        }
        if (length <= fastSkipHashing) {
          int newIndex = skipping ? index + length : index + prevLength - 1;
          int i = index + 1;
          for (; i < newIndex; i++) {
            if (i < maxInsertIndex) {
              insert(i);
            }
          }
          index = i;
          if (!skipping) {
            byteAvailable = false;
            length = MIN_MATCH - 1;
          }
        } else {
          index += length;
        }
        if (ntokens == MAX_FLATE_BLOCK_TOKENS) {
          writeBlock(index);
          ntokens = 0;
        }
      } else {
        if (skipping || byteAvailable) {
          int i = skipping ? index : index - 1;
          tokens[ntokens++] = Tokens.literal(window[i] & 0xff);
          if (ntokens == MAX_FLATE_BLOCK_TOKENS) {
            writeBlock(i + 1);
            ntokens = 0;
          }
        }
        index++;
        if (!skipping) {
          byteAvailable = true;
        }
      }
    }
  }

  /**
   * Walks the hash chain from prevHead for a match longer than prevLength at pos, as Go's
   * findMatch; sets length and offset when it finds one.
   */
  private void findMatch(int pos, int prevHead, int prevLength, int lookahead) {
    int minMatchLook = Math.min(MAX_MATCH, lookahead);
    int winEnd = pos + minMatchLook;
    int niceLen = Math.min(nice, winEnd - pos);
    int tries = chain;
    int len = prevLength;
    if (len >= good) {
      tries >>= 2;
    }
    byte wEnd = window[pos + len];
    int minIndex = pos - WINDOW_SIZE;
    for (int i = prevHead; tries > 0; tries--) {
      if (wEnd == window[i + len]) {
        int n = matchLen(i, pos, minMatchLook);
        if (n > len && (n > MIN_MATCH || pos - i <= 4096)) {
          len = n;
          length = n;
          offset = pos - i;
          if (n >= niceLen) {
            break;
          }
          wEnd = window[pos + n];
        }
      }
      if (i == minIndex) {
        break;
      }
      i = hashPrev[i & WINDOW_MASK] - hashOffset;
      if (i < minIndex || i < 0) {
        break;
      }
    }
  }

  private int matchLen(int a, int b, int max) {
    // vectorized by the JIT: the comparison is most of the match finder's time
    int i = Arrays.mismatch(window, a, a + max, window, b, b + max);
    return i < 0 ? max : i;
  }
}

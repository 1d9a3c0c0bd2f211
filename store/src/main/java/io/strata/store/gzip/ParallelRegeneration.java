package io.strata.store.gzip;

import io.strata.store.deflate.DeflateCheckpoint;
import io.strata.store.deflate.GoDeflater;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32;

/**
 * A gzip blob regenerated in segments compressed side by side, cut at its recipe's deflate
 * checkpoints ({@link DeflateCheckpoint}): a deflate of a whole layer is seconds of one core, the
 * one thing a pull of a blob kept as a recipe waits for. Segment k is the stream from checkpoint
 * k−1 to checkpoint k; its deflater is rebuilt from the 32 KiB of input before its start and the
 * state the checkpoint holds, compresses until the block ending at checkpoint k, and its bytes are
 * joined to the segment before's by OR-ing the byte they share (a block starts at any bit).
 *
 * <p>The input is read once, in order, by the reading thread; segments are compressed on a pool of
 * one thread per core, at most that many of one blob at a time, their buffers (input and output)
 * taken from a budget shared by every regeneration ({@link #BUDGET_BYTES}). A regeneration the
 * budget cannot serve, and the last segment of every blob, goes on as one stream on the reading
 * thread, as a recipe without checkpoints does, so memory stays bounded by the budget plus one
 * segment per regeneration. The reader ({@link RegeneratedGzipInputStream}) checks the digest of
 * the whole, so a checkpoint that does not hold shows as a blob that does not match, never as other
 * bytes given out as the blob.
 */
final class ParallelRegeneration implements Regeneration {
  /** Input bytes between two checkpoints a recipe records. */
  static final long CHECKPOINT_EVERY = 2L << 20;

  /** Input a segment gets past its end: the deflater looks 262 bytes ahead, and fills 32 KiB. */
  private static final int LOOKAHEAD = 64 << 10;

  /** A segment longer than this (a recipe with checkpoints far apart) is streamed instead. */
  private static final long MAX_SEGMENT = 16L << 20;

  private static final int THREADS = Runtime.getRuntime().availableProcessors();

  /** Bytes all segment buffers in flight may take: an eighth of the heap, at most 256 MiB. */
  static final long BUDGET_BYTES = Math.min(Runtime.getRuntime().maxMemory() / 8, 256L << 20);

  // in KiB, so that the permits fit an int
  private static final Semaphore BUDGET = new Semaphore((int) (BUDGET_BYTES >> 10));

  private static final ExecutorService WORKERS =
      Executors.newFixedThreadPool(
          THREADS,
          r -> {
            Thread t = new Thread(r, "strata-gzip-segments");
            t.setDaemon(true);
            return t;
          });

  private final InputStream in;
  private final GzipRecipe recipe;
  private final List<DeflateCheckpoint> checkpoints;
  private final OutputStream sink;
  private final String name;
  private final CRC32 crc = new CRC32();
  private long inputSize;
  private boolean started;
  private boolean ended;

  // the input read so far that a later segment may still need: [bufferStart, bufferStart + length)
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private boolean inputEnded;

  private int nextSegment;
  // a read from a checkpoint: the input before this position is only hashed into the CRC-32
  private long skipInputTo;
  private final ArrayDeque<Segment> inFlight = new ArrayDeque<>();
  private Segment held;
  private int carry = -1;

  // the rest of the blob as one stream, once segments are given up
  private GoDeflater stream;
  private final byte[] piece = new byte[64 << 10];

  /** One segment: its input, and its compressed bytes once done. */
  private static final class Segment {
    final int index;
    final byte[] input;
    final DeflateCheckpoint from;
    final DeflateCheckpoint to;
    int permits;
    Future<byte[]> output;

    Segment(int index, byte[] input, DeflateCheckpoint from, DeflateCheckpoint to) {
      this.index = index;
      this.input = input;
      this.from = from;
      this.to = to;
    }
  }

  /**
   * @param in the blob's uncompressed contents
   * @param sink receives the blob, header to trailer, in order
   * @param name how errors name the blob
   */
  ParallelRegeneration(InputStream in, GzipRecipe recipe, OutputStream sink, String name) {
    this(in, recipe, sink, name, 0);
  }

  /**
   * A regeneration that gives {@code sink} the blob from byte {@code offset} on (a {@code Range}
   * read): it compresses from the last checkpoint whose segment starts before {@code offset}, not
   * from the blob's start. The input before that segment is still read, for the trailer's CRC-32,
   * but reading contents costs a fraction of compressing them.
   */
  ParallelRegeneration(
      InputStream in, GzipRecipe recipe, OutputStream sink, String name, long offset) {
    this.name = name;
    this.in = in;
    this.recipe = recipe;
    this.checkpoints = recipe.checkpoints();
    int first = firstSegment(recipe, offset);
    if (first == 0) {
      this.sink = new SkipFirst(sink, offset);
    } else {
      // segment `first` starts inside the byte at its checkpoint's bit: strictly before offset
      long segmentStart = recipe.header().length + (checkpoints.get(first - 1).bitPosition() >>> 3);
      this.sink = new SkipFirst(sink, offset - segmentStart);
      this.nextSegment = first;
      this.started = true;
      this.skipInputTo = checkpoints.get(first - 1).windowBase();
    }
  }

  /**
   * The segment a read from blob byte {@code offset} starts compressing at: the last whose first
   * byte (shared with the segment before) lies before {@code offset}, 0 for the blob's start.
   */
  static int firstSegment(GzipRecipe recipe, long offset) {
    List<DeflateCheckpoint> cs = recipe.checkpoints();
    int header = recipe.header().length;
    int first = 0;
    for (int k = 1; k <= cs.size(); k++) {
      if (header + (cs.get(k - 1).bitPosition() >>> 3) < offset) {
        first = k;
      } else {
        break;
      }
    }
    return first;
  }

  /** The pool every parallel regeneration compresses its parts on: one thread per core. */
  static ExecutorService workers() {
    return WORKERS;
  }

  /** The budget of segment buffers, in KiB (tests take it all to see the fallback). */
  static Semaphore budget() {
    return BUDGET;
  }

  /** Whether blobs of {@code recipe} can be regenerated in segments. */
  static boolean applies(GzipRecipe recipe) {
    return recipe.compressor() == GzipRecipe.Compressor.GO
        && !recipe.checkpoints().isEmpty()
        && recipe.level() >= 4
        && recipe.level() <= 9;
  }

  @Override
  public boolean ended() {
    return ended;
  }

  @Override
  public boolean step() throws IOException {
    if (ended) {
      return false;
    }
    if (!started) {
      started = true;
      sink.write(recipe.header());
      return true;
    }
    if (stream != null) {
      streamStep();
      return true;
    }
    fill();
    Segment head = inFlight.poll();
    if (head == null) {
      startStream();
      return true;
    }
    emit(head);
    return true;
  }

  /** Queues segments while this blob has fewer than one per core in flight. */
  private void fill() throws IOException {
    while (inFlight.size() < THREADS) {
      Segment s = held != null ? held : readSegment();
      held = null;
      if (s == null) {
        return;
      }
      int kib = (int) ((2L * s.input.length >> 10) + 1);
      if (BUDGET.tryAcquire(kib)) {
        s.permits = kib;
        s.output = WORKERS.submit(() -> compress(s));
        inFlight.add(s);
      } else if (inFlight.isEmpty()) {
        s.output = CompletableFuture.completedFuture(compress(s));
        inFlight.add(s);
      } else {
        held = s;
        return;
      }
    }
  }

  /**
   * Reads the input of the next segment that ends at a checkpoint; null when the rest is to be one
   * stream (the last segment, a checkpoint too near the end of the input, or too far from the one
   * before).
   */
  private Segment readSegment() throws IOException {
    int k = nextSegment;
    if (k >= checkpoints.size()) {
      return null;
    }
    skipInput();
    DeflateCheckpoint from = k == 0 ? null : checkpoints.get(k - 1);
    DeflateCheckpoint to = checkpoints.get(k);
    long start = from == null ? 0 : from.windowBase();
    long end = to.blockEnd() + LOOKAHEAD;
    if (start < bufferStart) {
      throw damaged(k, new IllegalStateException("its window starts before the one before"));
    }
    if (end - start > MAX_SEGMENT) {
      return null;
    }
    if (!readUpTo(end)) {
      return null;
    }
    byte[] input =
        Arrays.copyOfRange(buffer, (int) (start - bufferStart), (int) (end - bufferStart));
    // the next segment starts at this one's end checkpoint's window
    drop(to.windowBase());
    nextSegment++;
    return new Segment(k, input, from, to);
  }

  /**
   * Before the first segment of a read from a checkpoint: reads the input up to that segment's
   * window, for the CRC-32 only, and keeps none of it.
   */
  private void skipInput() throws IOException {
    while (inputSize < skipInputTo) {
      int n = in.read(piece, 0, (int) Math.min(piece.length, skipInputTo - inputSize));
      if (n < 0) {
        inputEnded = true;
        throw damaged(nextSegment, new IllegalStateException("the contents end before its window"));
      }
      crc.update(piece, 0, n);
      inputSize += n;
    }
    if (skipInputTo > 0) {
      bufferStart = skipInputTo;
      skipInputTo = 0;
    }
  }

  /** Reads input until the buffer reaches position {@code end}; false when it ends before. */
  private boolean readUpTo(long end) throws IOException {
    long have = bufferStart + buffer.length;
    if (have >= end) {
      return true;
    }
    if (inputEnded) {
      return false;
    }
    byte[] b = Arrays.copyOf(buffer, (int) (end - bufferStart));
    int at = buffer.length;
    while (at < b.length) {
      int n = in.read(b, at, b.length - at);
      if (n < 0) {
        inputEnded = true;
        break;
      }
      crc.update(b, at, n);
      inputSize += n;
      at += n;
    }
    buffer = at == b.length ? b : Arrays.copyOf(b, at);
    return !inputEnded;
  }

  private void drop(long before) {
    if (before > bufferStart) {
      buffer = Arrays.copyOfRange(buffer, (int) (before - bufferStart), buffer.length);
      bufferStart = before;
    }
  }

  /**
   * Segment s's compressed bytes: its first and last byte shared with its neighbours. A checkpoint
   * that does not hold (a damaged recipe, or one a remote registry sent) fails it as an {@link
   * IOException}.
   */
  private byte[] compress(Segment s) throws IOException {
    try {
      return compressUnchecked(s);
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw damaged(s.index, e);
    }
  }

  private byte[] compressUnchecked(Segment s) throws IOException {
    long firstByte = s.from == null ? 0 : s.from.bitPosition() >>> 3;
    long endByte = (s.to.bitPosition() + 7) >>> 3;
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((int) Math.min(endByte - firstByte, 1 << 24));
    GoDeflater d;
    int taken;
    if (s.from == null) {
      d = new GoDeflater(out, recipe.level());
      d.stopAfter(s.to.blockEnd());
      taken = 0;
    } else {
      int[] t = new int[1];
      d =
          GoDeflater.resume(
              out, recipe.level(), s.from, s.to.blockEnd(), s.input, 0, s.input.length, t);
      taken = t[0];
    }
    d.write(s.input, taken, s.input.length - taken);
    d.advance();
    d.endSegment();
    byte[] b = out.toByteArray();
    if (b.length != endByte - firstByte) {
      throw new IllegalStateException(
          "compressed to "
              + b.length
              + " bytes where its checkpoints say "
              + (endByte - firstByte));
    }
    return b;
  }

  private CorruptDataException damaged(int segment, RuntimeException e) {
    return new CorruptDataException(
        name + ": its gzip recipe's segment " + segment + " does not regenerate: " + e.getMessage(),
        name,
        e);
  }

  /** Hands the sink segment s's bytes, keeping back a last byte the next segment shares. */
  private void emit(Segment s) throws IOException {
    byte[] b;
    try {
      b = s.output.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("regeneration interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof CorruptDataException c) {
        throw c;
      }
      throw new IOException("regenerating a segment: " + e.getCause().getMessage(), e.getCause());
    } finally {
      BUDGET.release(s.permits);
      s.permits = 0;
    }
    if (carry >= 0) {
      b[0] |= (byte) carry;
    }
    int n = b.length;
    if ((s.to.bitPosition() & 7) != 0) {
      carry = b[n - 1] & 0xff;
      n--;
    } else {
      carry = -1;
    }
    sink.write(b, 0, n);
  }

  /**
   * Goes on as one stream from the next segment's start: its deflater resumed there (or started,
   * for the first), fed the input kept from its window on, then the rest as it is read.
   */
  private void startStream() throws IOException {
    try {
      startStreamUnchecked();
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw damaged(nextSegment, e);
    }
  }

  private void startStreamUnchecked() throws IOException {
    OutputStream out = carry < 0 ? sink : new FirstByteOr(sink, carry);
    carry = -1;
    int k = nextSegment;
    skipInput();
    if (k == 0) {
      stream = new GoDeflater(out, recipe.level());
      if (buffer.length > 0) {
        stream.write(buffer, 0, buffer.length);
      }
    } else {
      DeflateCheckpoint from = checkpoints.get(k - 1);
      // the window's input, and enough after it for the hash chains of its last bytes
      readUpTo(from.index() + LOOKAHEAD);
      int off = (int) (from.windowBase() - bufferStart);
      int[] taken = new int[1];
      stream =
          GoDeflater.resume(out, recipe.level(), from, -1, buffer, off, buffer.length - off, taken);
      stream.write(buffer, off + taken[0], buffer.length - off - taken[0]);
    }
    buffer = new byte[0];
    held = null;
  }

  private void streamStep() throws IOException {
    int n = inputEnded ? -1 : in.read(piece, 0, piece.length);
    if (n > 0) {
      crc.update(piece, 0, n);
      inputSize += n;
      stream.write(piece, 0, n);
      return;
    }
    if (n == 0) {
      return;
    }
    inputEnded = true;
    stream.finish();
    sink.write(GoGzipOutputStream.trailer(crc.getValue(), inputSize));
    ended = true;
  }

  @Override
  public void close() {
    for (Segment s : inFlight) {
      s.output.cancel(false);
      BUDGET.release(s.permits);
      s.permits = 0;
    }
    inFlight.clear();
  }

  /** Passes bytes on after dropping the first {@code skip} (those before a read's offset). */
  private static final class SkipFirst extends OutputStream {
    private final OutputStream out;
    private long skip;

    SkipFirst(OutputStream out, long skip) {
      this.out = out;
      this.skip = skip;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (skip > 0) {
        int n = (int) Math.min(skip, len);
        skip -= n;
        off += n;
        len -= n;
      }
      if (len > 0) {
        out.write(b, off, len);
      }
    }
  }

  /** Passes bytes on, the first OR-ed with the bits the segment before left in it. */
  private static final class FirstByteOr extends OutputStream {
    private final OutputStream out;
    private int bits;

    FirstByteOr(OutputStream out, int bits) {
      this.out = out;
      this.bits = bits;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > 0 && bits >= 0) {
        byte[] first = {(byte) (b[off] | bits)};
        bits = -1;
        out.write(first, 0, 1);
        off++;
        len--;
      }
      out.write(b, off, len);
    }
  }
}

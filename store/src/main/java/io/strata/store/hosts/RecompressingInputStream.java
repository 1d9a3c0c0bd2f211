package io.strata.store.hosts;

import io.strata.store.deflate.GzipMemberOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.gzip.GzipRecipe;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A layer's uncompressed contents as they are read (by the image import), compressed again by the
 * layer's recipe on a thread of its own as they pass, and the result's digest and length compared
 * with the layer's when the stream is closed: the check that the registry's chunks and recipe give
 * back the exact blob costs no time beside the import. At most {@value #DEPTH} pieces wait for the
 * compressor, so memory is bounded. {@link #close} reads what the reader left, waits for the
 * compressor and throws {@link CorruptDataException} on a mismatch, so the import fails before it
 * records anything.
 */
final class RecompressingInputStream extends FilterInputStream {
  private static final int DEPTH = 16;
  private static final byte[] END = new byte[0];
  private static final ExecutorService THREADS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "strata-registry-pull-verify");
            t.setDaemon(true);
            return t;
          });

  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(DEPTH);
  private final Future<long[]> compressed;
  private final MessageDigest sha = Digest.newSha256();
  private final GzipRecipe recipe;
  private final Digest expected;
  private final String name;
  private boolean closed;
  private boolean checked;

  /** Counts what passes through. */
  private static final class Counting extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  RecompressingInputStream(InputStream in, GzipRecipe recipe, Digest expected, String name) {
    super(in);
    this.recipe = recipe;
    this.expected = expected;
    this.name = name;
    this.compressed = THREADS.submit(this::compress);
  }

  private long[] compress() throws IOException, InterruptedException {
    Counting count = new Counting();
    try (GzipMemberOutputStream gz = recipe.writer(new DigestOutputStream(count, sha))) {
      for (byte[] b = queue.take(); b != END; b = queue.take()) {
        gz.write(b, 0, b.length);
      }
    }
    return new long[] {count.count};
  }

  private void pass(byte[] b, int off, int n) throws IOException {
    if (n <= 0) {
      return;
    }
    put(Arrays.copyOfRange(b, off, off + n));
  }

  /** Queues a piece, unless the compressor failed (which would never take it). */
  private void put(byte[] piece) throws IOException {
    try {
      while (!queue.offer(piece, 100, TimeUnit.MILLISECONDS)) {
        if (compressed.isDone()) {
          compressed.get();
          throw new IOException(name + ": the compressor stopped");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(name + ": interrupted");
    } catch (ExecutionException e) {
      throw new IOException(name + ": compressing it again failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  /**
   * At the end of the contents, waits for the compressor and compares before answering the end: a
   * reader that checks what it read (the import, against the diff_id) fails there, and undoes its
   * own work, when the blob would not come back.
   */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (checked) {
      return -1;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      check();
      return -1;
    }
    pass(b, off, n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 64 << 10)];
    int got = read(buf, 0, buf.length);
    return Math.max(got, 0);
  }

  /**
   * Reads what the reader left (if it stopped before the end) and compares, then closes: a reader
   * that never read to the end still gets its answer.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      byte[] buf = new byte[64 << 10];
      while (read(buf, 0, buf.length) >= 0) {
        // compressed all the same
      }
    } finally {
      if (!checked) {
        compressed.cancel(true);
      }
      in.close();
    }
  }

  /** Ends the compression and compares its digest and length with the layer's. */
  private void check() throws IOException {
    checked = true;
    boolean ended = false;
    try {
      put(END);
      ended = true;
      long size = compressed.get()[0];
      Digest got = Digest.of(sha.digest());
      if (!got.equals(expected) || size != recipe.size()) {
        throw new CorruptDataException(
            name
                + ": compressed again with "
                + recipe.label()
                + " it has digest "
                + got
                + " and "
                + size
                + " bytes, not "
                + expected
                + " and "
                + recipe.size(),
            name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      compressed.cancel(true);
      throw new InterruptedIOException(name + ": interrupted");
    } catch (ExecutionException e) {
      throw new IOException(name + ": compressing it again failed: " + e.getCause(), e.getCause());
    } finally {
      if (!ended) {
        compressed.cancel(true);
      }
    }
  }
}

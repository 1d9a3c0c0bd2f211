package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.gzip.RegeneratedGzipInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
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
 * layer's recipe on other threads as they pass, and the result's digest and length compared with
 * the layer's when the stream is closed: the check that the registry's chunks and recipe give back
 * the exact blob costs little time beside the import. The compression is a {@link
 * RegeneratedGzipInputStream}, the one a registry {@code GET} uses: a recipe with deflate
 * checkpoints is compressed in segments side by side (a whole Debian layer is seconds of one core
 * otherwise); the checkpoints came from the registry, but a lying one only gives a blob whose
 * digest does not match. At most {@value #DEPTH} pieces wait for the compressor, so memory is
 * bounded. {@link #close} reads what the reader left, waits for the compressor and throws {@link
 * CorruptDataException} on a mismatch, so the import fails before it records anything.
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
  private final Future<?> compressed;
  private final GzipRecipe recipe;
  private final Digest expected;
  private final String name;
  // set when the compression is given up (the reader failed): the thread reading the queue stops
  private volatile boolean abandoned;
  private boolean closed;
  private boolean checked;
  private boolean failed; // the compression's failure was thrown to the reader

  RecompressingInputStream(InputStream in, GzipRecipe recipe, Digest expected, String name) {
    super(in);
    this.recipe = recipe;
    this.expected = expected;
    this.name = name;
    this.compressed = THREADS.submit(this::compress);
  }

  /**
   * Regenerates the blob from the queued pieces; its reader checks digest and length at the end.
   */
  private Void compress() throws IOException {
    try (InputStream gz = new RegeneratedGzipInputStream(new Queued(), recipe, expected, name)) {
      gz.transferTo(OutputStream.nullOutputStream());
    }
    return null;
  }

  /** The queued pieces as a stream, ended by {@link #END}. */
  private final class Queued extends InputStream {
    private byte[] piece = new byte[0];
    private int pos;
    private boolean end;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == piece.length) {
        if (end || !next()) {
          return -1;
        }
      }
      int n = Math.min(len, piece.length - pos);
      System.arraycopy(piece, pos, b, off, n);
      pos += n;
      return n;
    }

    private boolean next() throws IOException {
      try {
        byte[] p;
        while ((p = queue.poll(100, TimeUnit.MILLISECONDS)) == null) {
          if (abandoned) {
            throw new InterruptedIOException(name + ": its check was given up");
          }
        }
        if (p == END) {
          end = true;
          return false;
        }
        piece = p;
        pos = 0;
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(name + ": interrupted");
      }
    }
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
      throw failure(e);
    }
  }

  /** The compression's failure: a blob that did not come back as it is, or what stopped it. */
  private IOException failure(ExecutionException e) {
    failed = true;
    if (e.getCause() instanceof CorruptDataException c) {
      throw c; // names the layer, the recipe, and the digest and length it gave
    }
    return new IOException(name + ": compressing it again failed: " + e.getCause(), e.getCause());
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
      // once the compression failed, the reader has its answer already: reading on would throw
      // the same exception again from close (which try-with-resources cannot suppress into itself)
      byte[] buf = new byte[64 << 10];
      while (!failed && read(buf, 0, buf.length) >= 0) {
        // compressed all the same
      }
    } finally {
      if (!checked) {
        abandon();
      }
      in.close();
    }
  }

  /** Ends the compression and waits for its verdict on the blob's digest and length. */
  private void check() throws IOException {
    checked = true;
    boolean ended = false;
    try {
      put(END);
      ended = true;
      compressed.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon();
      throw new InterruptedIOException(name + ": interrupted");
    } catch (ExecutionException e) {
      throw failure(e);
    } finally {
      if (!ended) {
        abandon();
      }
    }
  }

  private void abandon() {
    abandoned = true;
    compressed.cancel(true);
  }
}

package io.strata.store.gzip;

import io.strata.store.deflate.DeflateCheckpoint;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.deflate.GzipMemberOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One replay's recompression on a thread of its own: uncompressed pieces are queued (at most {@link
 * #DEPTH} of them, so memory stays bounded whatever the blob), compressed again by the recipe and
 * compared with the file as they come. The thread that feeds it inflates and chunks meanwhile.
 */
final class Recompression implements AutoCloseable {
  static final int PIECE = 64 << 10;
  private static final int DEPTH = 16;
  private static final byte[] END = new byte[0];

  /** Daemon threads, one per replay in progress. */
  private static final ExecutorService THREADS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "strata-gzip-replay");
            t.setDaemon(true);
            return t;
          });

  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(DEPTH);
  private final Future<GzipRecipes.Replayed> result;

  Recompression(GzipRecipes.Source file, GzipRecipe recipe) {
    result = THREADS.submit(() -> run(file, recipe));
  }

  private GzipRecipes.Replayed run(GzipRecipes.Source file, GzipRecipe recipe)
      throws IOException, InterruptedException {
    try (InputStream expected = new BufferedInputStream(file.open(), PIECE)) {
      ComparingOutputStream cmp = new ComparingOutputStream(expected);
      GzipMemberOutputStream gz = recipe.writer(cmp);
      List<DeflateCheckpoint> checkpoints = new ArrayList<>();
      // Go's streams need checkpoints to be regenerated in parallel; pgzip's blocks are their own
      if (gz instanceof GoGzipOutputStream go) {
        go.recordCheckpoints(ParallelRegeneration.CHECKPOINT_EVERY, checkpoints::add);
      }
      for (byte[] b = queue.take(); b != END; b = queue.take()) {
        gz.write(b, 0, b.length);
      }
      gz.finish();
      return cmp.atEnd()
          ? new GzipRecipes.Replayed(cmp.digest(), cmp.matched(), checkpoints)
          : null;
    } catch (ComparingOutputStream.Mismatch e) {
      return null;
    }
  }

  /**
   * Queues {@code n} bytes of {@code b} (copied); false when the recompression already ended, which
   * means it differed from the file.
   */
  boolean offer(byte[] b, int n) throws IOException {
    return put(Arrays.copyOf(b, n));
  }

  private boolean put(byte[] piece) throws IOException {
    try {
      while (!queue.offer(piece, 50, TimeUnit.MILLISECONDS)) {
        if (result.isDone()) {
          return false;
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("replay interrupted");
    }
  }

  /** Waits for the end: the file's digest and length when every byte matched, else null. */
  GzipRecipes.Replayed result() throws IOException {
    put(END);
    return outcome();
  }

  private GzipRecipes.Replayed outcome() throws IOException {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("replay interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("replay failed", e.getCause());
    } catch (CancellationException e) {
      throw new InterruptedIOException("replay cancelled");
    }
  }

  /** Stops the recompression when the feeder gives up before the end. */
  @Override
  public void close() {
    result.cancel(true);
  }
}

package io.strata.perf.ingest;

import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's own limit for ingesting a data set: SHA-256 and compression speed over the very
 * chunks the store would cut from it, timed chunk by chunk. New data needs both per byte, so one
 * core ingests at most {@code 1 / (1/sha + 1/codec)}; stored data needs only the hash.
 *
 * <p>The speeds are measured on {@code cores} threads at once, each over every chunk, and the bound
 * is the sum of the per-thread limits. On an idle machine that is {@code cores × 1/(1/sha +
 * 1/codec)} of one core's speeds; on a shared one it is what the cores this process actually gets
 * can do, which is the fair denominator for a run made at the same moment. Reading the files and
 * cutting them is not counted: the bound is what hashing and compressing alone would allow.
 */
final class MachineBound {
  private final FastCdc cdc;
  private final Compression compression;
  private final int cores;

  /**
   * The limits over one data set.
   *
   * @param shaMbs SHA-256 on one core, MB/s (the mean over the threads)
   * @param codecMbs compression on one core, MB/s (the mean over the threads)
   * @param ingestMbs new data: the sum over the threads of {@code 1 / (1/sha + 1/codec)}
   * @param reingestMbs stored data: the sum over the threads of {@code sha}
   */
  record Bound(double shaMbs, double codecMbs, double ingestMbs, double reingestMbs) {}

  MachineBound(ChunkerParams chunker, Compression compression, int cores) {
    this.cdc = new FastCdc(chunker);
    this.compression = compression;
    this.cores = cores;
  }

  /** Measures over every chunk of {@code ds}, on every core at once. */
  Bound measure(DataSet ds) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    try {
      List<Future<double[]>> threads = new ArrayList<>();
      for (int i = 0; i < cores; i++) {
        threads.add(pool.submit(() -> onOneCore(ds)));
      }
      double sha = 0;
      double codec = 0;
      double ingest = 0;
      for (Future<double[]> f : threads) {
        double[] r = f.get();
        sha += r[0];
        codec += r[1];
        ingest += 1 / (1 / r[0] + 1 / r[1]);
      }
      return new Bound(sha / cores, codec / cores, ingest, sha);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("measuring the bound of " + ds.name() + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("measuring the bound of " + ds.name() + ": " + e.getCause(), e);
    } finally {
      pool.shutdown();
    }
  }

  /** SHA-256 and codec MB/s of one thread over every chunk of {@code ds}. */
  private double[] onOneCore(DataSet ds) throws IOException {
    MessageDigest sha = Digest.newSha256();
    ChunkCodec codec = new ChunkCodec(compression);
    byte[] out = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
    long[] t = new long[3]; // bytes, sha nanos, codec nanos
    ChunkSplitter splitter =
        new ChunkSplitter(
            cdc,
            (b, off, len) -> {
              long t0 = System.nanoTime();
              sha.update(b, off, len);
              sha.digest();
              long t1 = System.nanoTime();
              codec.encode(b, off, len, out, 0);
              long t2 = System.nanoTime();
              t[0] += len;
              t[1] += t1 - t0;
              t[2] += t2 - t1;
            });
    byte[] buf = new byte[256 << 10];
    for (Path f : ds.files()) {
      try (InputStream in = Files.newInputStream(f)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          splitter.write(buf, 0, n);
        }
      }
      splitter.finish();
    }
    return new double[] {t[0] * 1e3 / t[1], t[0] * 1e3 / t[2]};
  }
}

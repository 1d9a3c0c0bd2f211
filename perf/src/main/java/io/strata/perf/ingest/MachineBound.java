package io.strata.perf.ingest;

import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
   * @param ingestCpuMsPerMb CPU time new data needs: SHA-256 plus compression, ms per MB
   * @param reingestCpuMsPerMb CPU time stored data needs: SHA-256, ms per MB
   */
  record Bound(
      double shaMbs,
      double codecMbs,
      double ingestMbs,
      double reingestMbs,
      double ingestCpuMsPerMb,
      double reingestCpuMsPerMb) {}

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
      double shaCpu = 0;
      double codecCpu = 0;
      for (Future<double[]> f : threads) {
        double[] r = f.get();
        sha += r[0];
        codec += r[1];
        ingest += 1 / (1 / r[0] + 1 / r[1]);
        shaCpu += r[2] / cores;
        codecCpu += r[3] / cores;
      }
      return new Bound(sha / cores, codec / cores, ingest, sha, shaCpu + codecCpu, shaCpu);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("measuring the bound of " + ds.name() + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("measuring the bound of " + ds.name() + ": " + e.getCause(), e);
    } finally {
      pool.shutdown();
    }
  }

  /**
   * One thread over every chunk of {@code ds}: SHA-256 and codec MB/s by the clock, then their CPU
   * time in ms per MB (by the thread's CPU clock, which other processes on the machine do not
   * inflate).
   */
  private double[] onOneCore(DataSet ds) throws IOException {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    MessageDigest sha = Digest.newSha256();
    ChunkCodec codec = new ChunkCodec(compression);
    byte[] out = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
    long[] t = new long[5]; // bytes, sha nanos, codec nanos, sha CPU nanos, codec CPU nanos
    ChunkSplitter splitter =
        new ChunkSplitter(
            cdc,
            (b, off, len) -> {
              long c0 = cpu.getCurrentThreadCpuTime();
              long t0 = System.nanoTime();
              sha.update(b, off, len);
              sha.digest();
              long t1 = System.nanoTime();
              long c1 = cpu.getCurrentThreadCpuTime();
              codec.encode(b, off, len, out, 0);
              long t2 = System.nanoTime();
              long c2 = cpu.getCurrentThreadCpuTime();
              t[0] += len;
              t[1] += t1 - t0;
              t[2] += t2 - t1;
              t[3] += c1 - c0;
              t[4] += c2 - c1;
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
    return new double[] {
      t[0] * 1e3 / t[1], t[0] * 1e3 / t[2], (double) t[3] / t[0], (double) t[4] / t[0]
    };
  }
}

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

/**
 * The machine's own limit for ingesting a data set: one core's SHA-256 and zstd speed over the very
 * chunks the store would cut from it, timed chunk by chunk on one thread. New data needs both per
 * byte, so two cores ingest at most {@code 2 / (1/sha + 1/zstd)}; stored data needs only the hash,
 * so re-ingest is bounded by {@code 2 × sha}. Reading the files and cutting them is not counted:
 * the bound is what hashing and compressing alone would allow.
 */
final class MachineBound {
  private final FastCdc cdc;
  private final ChunkCodec codec;
  private final int cores;

  /**
   * The limits over one data set.
   *
   * @param shaMbs SHA-256 on one core, MB/s
   * @param codecMbs compression on one core, MB/s
   * @param cores the cores the bound assumes
   */
  record Bound(double shaMbs, double codecMbs, int cores) {
    /** Ingest of new data: every byte hashed and compressed, on every core. */
    double ingestMbs() {
      return cores / (1 / shaMbs + 1 / codecMbs);
    }

    /** Re-ingest of stored data: every byte hashed, on every core. */
    double reingestMbs() {
      return cores * shaMbs;
    }
  }

  MachineBound(ChunkerParams chunker, Compression compression, int cores) {
    this.cdc = new FastCdc(chunker);
    this.codec = new ChunkCodec(compression);
    this.cores = cores;
  }

  /** Measures over every chunk of {@code ds}. */
  Bound measure(DataSet ds) throws IOException {
    MessageDigest sha = Digest.newSha256();
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
    return new Bound(t[0] * 1e3 / t[1], t[0] * 1e3 / t[2], cores);
  }
}

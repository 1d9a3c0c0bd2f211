package io.strata.perf.memory;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.liveHeap;
import static io.strata.perf.report.Figures.mb;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.mib;

import io.strata.perf.ScratchDir;
import io.strata.perf.data.GeneratedStream;
import io.strata.perf.report.Machine;
import io.strata.perf.report.ResourceProbe;
import io.strata.perf.report.Table;
import io.strata.store.Engine;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StoreInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Puts one generated blob of {@code size} bytes (text-like, so it compresses; random, so it does
 * not deduplicate) into a fresh data root through {@code blobs().put}, then reads it back and
 * compares SHA-256s: the generator's own, the one the store named the blob by, and the one of the
 * bytes read back. Meant to run with a heap far smaller than the blob ({@code -Xmx256m} for 4 GiB).
 */
public final class BigPutRun {
  private final long size;
  private final long seed;
  private final Path scratch;

  /**
   * A put of {@code size} bytes generated from {@code seed}, in a data root under {@code scratch}.
   */
  public BigPutRun(long size, long seed, Path scratch) {
    this.size = size;
    this.seed = seed;
    this.scratch = scratch;
  }

  /** Runs the put and the read; returns true if all three digests agree. */
  public boolean run(PrintStream out) throws IOException {
    Machine.printHeader(out);
    try (ScratchDir dir = ScratchDir.create(scratch, "strata-bigput-");
        Engine engine = Engine.open(dir.path(), null, ChunkStore.Options.defaults())) {
      GeneratedStream in = new GeneratedStream(size, seed);
      ResourceProbe putProbe = ResourceProbe.start();
      PutResult put = engine.blobs().put(in);
      ResourceProbe.Usage putUsage = putProbe.stop();
      Digest generated = in.digest();

      ResourceProbe getProbe = ResourceProbe.start();
      MessageDigest sha = Digest.newSha256();
      long read = 0;
      try (InputStream back = engine.blobs().open(put.digest(), 0, -1)) {
        byte[] buf = new byte[256 << 10];
        int n;
        while ((n = back.read(buf)) > 0) {
          sha.update(buf, 0, n);
          read += n;
        }
      }
      Digest readBack = Digest.of(sha.digest());
      ResourceProbe.Usage getUsage = getProbe.stop();

      StoreInfo info = engine.info();
      boolean ok = generated.equals(put.digest()) && generated.equals(readBack) && read == size;
      out.printf(
          "generated %s%nstored as %s%nread back %s (%d bytes)%nresult: %s%n",
          generated,
          put.digest(),
          readBack,
          read,
          ok ? "OK, all three SHA-256 agree" : "FAILED, the digests differ");
      Table t =
          new Table(
              "phase", "bytes", "MB/s", "CPU cores", "peak heap", "peak live heap", "peak RSS");
      row(t, "put", size, putUsage);
      row(t, "read back", read, getUsage);
      t.print(out);
      out.printf(
          "store: %s stored (packs), %d chunks, index RAM %s B/chunk, compression %s, max heap %s%n",
          mb(info.storedBytes()),
          info.chunks(),
          fixed((double) info.indexRamBytes() / info.chunks(), 1),
          fixed((double) info.uniqueBytes() / info.compressedBytes(), 2),
          mib(Runtime.getRuntime().maxMemory()));
      return ok;
    }
  }

  private static void row(Table t, String phase, long bytes, ResourceProbe.Usage u) {
    t.row(
        phase,
        mb(bytes),
        fixed(mbPerSec(bytes, u.wallNanos()), 0),
        fixed(u.cores(), 2),
        mib(u.peakHeapBytes()),
        liveHeap(u.peakLiveHeapBytes()),
        mib(u.peakRssBytes()));
  }
}

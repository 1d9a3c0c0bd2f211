package io.strata.perf.chunk;

import io.strata.perf.data.SampleData;
import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.chunk.FastCdc;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FastCDC with the default 16/64/256 KiB sizes over one buffer of {@code bytes} (64 MiB): the cut
 * search alone, and the splitter that objects are written through (which adds a copy into its
 * window). The target is 1 GB/s per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class FastCdcBenchmark {
  /** Bytes per operation. */
  @Param("67108864")
  public int bytes;

  /** {@code random} (incompressible) or {@code text} (text-like words). */
  @Param({"random", "text"})
  public String data;

  private final FastCdc cdc = new FastCdc(ChunkerParams.DEFAULT);
  private byte[] buf;

  /** Builds the input. */
  @Setup
  public void setUp() {
    buf = data.equals("random") ? SampleData.random(bytes, 42) : SampleData.textLike(bytes, 42);
  }

  /** Cuts the whole buffer as one object; returns the number of chunks. */
  @Benchmark
  public int cut() {
    int chunks = 0;
    for (int off = 0; off < buf.length; chunks++) {
      off += cdc.cut(buf, off, buf.length - off);
    }
    return chunks;
  }

  /**
   * Streams the buffer through a {@link ChunkSplitter} in 256 KiB writes, as {@code
   * ObjectWriter.writeAll} does; returns the sum of the chunk lengths.
   */
  @Benchmark
  public long split() {
    long[] total = {0};
    ChunkSplitter splitter = new ChunkSplitter(cdc, (b, off, len) -> total[0] += len);
    for (int off = 0; off < buf.length; off += 256 << 10) {
      splitter.write(buf, off, Math.min(256 << 10, buf.length - off));
    }
    splitter.finish();
    return total[0];
  }
}

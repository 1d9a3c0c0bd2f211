package io.strata.perf.digest;

import io.strata.perf.data.SampleData;
import io.strata.store.digest.Digest;
import java.security.MessageDigest;
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
 * SHA-256 of one chunk of {@code bytes} (64 KiB): through {@link Digest#sha256}, which the store
 * calls per chunk and which looks a fresh {@link MessageDigest} up each time, and through one
 * reused instance, the machine's own speed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class Sha256Benchmark {
  /** Bytes per operation: one chunk. */
  @Param("65536")
  public int bytes;

  private final MessageDigest reused = Digest.newSha256();
  private byte[] chunk;

  /** Builds the chunk. */
  @Setup
  public void setUp() {
    chunk = SampleData.random(bytes, 7);
  }

  /** The store's path: {@link Digest#sha256}. */
  @Benchmark
  public Digest digest() {
    return Digest.sha256(chunk, 0, chunk.length);
  }

  /** One {@link MessageDigest} reused for every chunk. */
  @Benchmark
  public byte[] reusedInstance() {
    reused.update(chunk, 0, chunk.length);
    return reused.digest();
  }
}

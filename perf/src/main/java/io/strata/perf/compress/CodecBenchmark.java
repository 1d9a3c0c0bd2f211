package io.strata.perf.compress;

import io.strata.perf.data.SampleData;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Compression;
import java.util.Arrays;
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
 * Compressing and decompressing one chunk of {@code bytes} (64 KiB) with each codec, through the
 * store's {@link ChunkCodec}. Each operation takes the next chunk of a corpus of {@code corpusMiB}
 * of real files: {@code jdk} (class files, shared libraries, jmods under /usr/lib/jvm) or {@code
 * text} (/usr/share without files that are compressed already). A chunk that does not shrink is
 * stored raw, as in the store, so its decompression is a copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class CodecBenchmark {
  /** Bytes per operation: one chunk. */
  @Param("65536")
  public int bytes;

  /** The codec, as given to {@code --compression}. */
  @Param({"zstd:1", "zstd:3", "lz4", "none"})
  public String codec;

  /** Which real files the chunks are cut from. */
  @Param({"jdk", "text"})
  public String corpus;

  /** Size of the corpus the chunks rotate through. */
  @Param("32")
  public int corpusMiB;

  private ChunkCodec chunkCodec;
  private byte[][] raw;
  private byte[][] encoded;
  private ChunkCodec.Encoded[] encodings;
  private byte[] out;
  private int next;

  /** Loads the corpus and encodes every chunk once, for the decompression benchmark. */
  @Setup
  public void setUp() {
    byte[] all =
        corpus.equals("jdk")
            ? SampleData.files(corpusMiB << 20, SampleData.JDK_ROOT, false, 1)
            : SampleData.files(corpusMiB << 20, SampleData.SHARE_ROOT, true, 1);
    int n = Math.max(1, all.length / bytes);
    chunkCodec = new ChunkCodec(Compression.parse(codec));
    raw = new byte[n][];
    encoded = new byte[n][];
    encodings = new ChunkCodec.Encoded[n];
    out = new byte[ChunkCodec.maxEncodedLength(bytes)];
    for (int i = 0; i < n; i++) {
      raw[i] = Arrays.copyOfRange(all, i * bytes, (i + 1) * bytes);
      encoded[i] = new byte[ChunkCodec.maxEncodedLength(bytes)];
      encodings[i] = chunkCodec.encode(raw[i], 0, bytes, encoded[i], 0);
    }
  }

  /** Compresses the next chunk; returns its encoded length. */
  @Benchmark
  public int compress() {
    byte[] src = raw[advance()];
    return chunkCodec.encode(src, 0, src.length, out, 0).length();
  }

  /** Decompresses the next chunk; returns its first byte, so the work cannot be skipped. */
  @Benchmark
  public byte decompress() {
    int i = advance();
    ChunkCodec.Encoded e = encodings[i];
    ChunkCodec.decode(e.codec(), encoded[i], 0, e.length(), out, 0, bytes, "benchmark chunk");
    return out[0];
  }

  /** Stored bytes of the corpus over its raw bytes: the codec's ratio on it (for the report). */
  public double storedShare() {
    long stored = 0;
    for (ChunkCodec.Encoded e : encodings) {
      stored += e.length();
    }
    return (double) stored / ((long) raw.length * bytes);
  }

  /** The decoded output buffer of the last {@link #decompress}. */
  byte[] lastOutput() {
    return out;
  }

  /** The raw bytes of chunk {@code i}. */
  byte[] rawChunk(int i) {
    return raw[i];
  }

  /** The index of the chunk the previous operation used. */
  int lastIndex() {
    return (next + raw.length - 1) % raw.length;
  }

  private int advance() {
    int i = next;
    next = i + 1 == raw.length ? 0 : i + 1;
    return i;
  }
}

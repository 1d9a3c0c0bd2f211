package io.strata.perf.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs each benchmark method once on 4 MiB and checks what it computed. */
class FastCdcBenchmarkTest {
  private static FastCdcBenchmark benchmark(String data) {
    FastCdcBenchmark b = new FastCdcBenchmark();
    b.bytes = 4 << 20;
    b.data = data;
    b.setUp();
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"random", "text"})
  void cutFindsChunksNearTheAverageSize(String data) {
    int chunks = benchmark(data).cut();
    // 4 MiB at a 64 KiB average, bounded by the 16 KiB minimum and 256 KiB maximum.
    assertThat(chunks).isBetween(16, 256);
  }

  @ParameterizedTest
  @ValueSource(strings = {"random", "text"})
  void splitPassesEveryByteOnce(String data) {
    assertThat(benchmark(data).split()).isEqualTo(4L << 20);
  }
}

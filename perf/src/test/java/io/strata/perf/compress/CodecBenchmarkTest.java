package io.strata.perf.compress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs compress and decompress once per codec on a 1 MiB corpus and checks the round trip. */
class CodecBenchmarkTest {
  @ParameterizedTest
  @CsvSource({"zstd:1,text", "zstd:3,text", "lz4,text", "none,text", "zstd:3,jdk"})
  void decompressRestoresTheChunkAndCompressShrinksText(String codec, String corpus) {
    CodecBenchmark b = new CodecBenchmark();
    b.bytes = 65536;
    b.codec = codec;
    b.corpus = corpus;
    b.corpusMiB = 1;
    b.setUp();

    int encoded = b.compress();
    b.decompress();
    byte[] out = Arrays.copyOf(b.lastOutput(), b.bytes);

    assertThat(out).isEqualTo(b.rawChunk(b.lastIndex()));
    assertThat(encoded).isBetween(1, b.bytes);
    if (!codec.equals("none") && corpus.equals("text")) {
      assertThat(b.storedShare()).isLessThan(0.9);
    }
  }
}

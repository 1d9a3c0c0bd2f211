package io.strata.perf.digest;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.perf.data.SampleData;
import io.strata.store.digest.Digest;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** Runs each benchmark method once and checks the digest against the JDK's. */
class Sha256BenchmarkTest {
  @Test
  void bothMethodsComputeTheSha256OfTheChunk() throws Exception {
    Sha256Benchmark b = new Sha256Benchmark();
    b.bytes = 65536;
    b.setUp();
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(SampleData.random(65536, 7));

    assertThat(b.digest()).isEqualTo(Digest.of(expected));
    assertThat(b.reusedInstance()).isEqualTo(expected);
    assertThat(b.reusedInstance()).isEqualTo(expected);
  }
}

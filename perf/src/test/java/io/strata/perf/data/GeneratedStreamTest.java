package io.strata.perf.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import org.junit.jupiter.api.Test;

class GeneratedStreamTest {
  @Test
  void yieldsExactlyItsSizeAndDigestsWhatItYielded() throws Exception {
    GeneratedStream in = new GeneratedStream(1_000_003, 9);
    byte[] all = in.readAllBytes();

    assertThat(all).hasSize(1_000_003);
    assertThat(in.digest()).isEqualTo(Digest.sha256(all, 0, all.length));
    assertThat(new GeneratedStream(1_000_003, 9).readAllBytes()).isEqualTo(all);
  }

  @Test
  void isTextLike() {
    byte[] text = SampleData.textLike(100_000, 3);
    for (byte b : text) {
      assertThat(b == ' ' || b == '\n' || (b >= 'a' && b <= 'z')).isTrue();
    }
  }
}

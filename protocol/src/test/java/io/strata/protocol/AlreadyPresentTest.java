package io.strata.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AlreadyPresentTest {
  @Test
  void aTransferThatSentAnythingIsNeverAHundredPercentPresent() {
    assertThat(AlreadyPresent.percent(405, 1_065_379)).isEqualTo("99.9");
    assertThat(AlreadyPresent.percent(1, Long.MAX_VALUE / 1000)).isEqualTo("99.9");
    assertThat(AlreadyPresent.percent(0, 1_065_379)).isEqualTo("100.0");
    assertThat(AlreadyPresent.percent(0, 0)).isEqualTo("100.0");
    assertThat(AlreadyPresent.percent(1_065_379, 1_065_379)).isEqualTo("0.0");
    assertThat(AlreadyPresent.percent(1, 3)).isEqualTo("66.6");
  }
}

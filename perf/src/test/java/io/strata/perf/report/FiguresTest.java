package io.strata.perf.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FiguresTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Figures.median(3, 1, 2)).isEqualTo(2);
    assertThat(Figures.median(4, 1, 3, 2)).isEqualTo(2.5);
  }

  @Test
  void megabytesPerSecond() {
    assertThat(Figures.mbPerSec(500_000_000L, 1_000_000_000L)).isEqualTo(500.0);
  }
}

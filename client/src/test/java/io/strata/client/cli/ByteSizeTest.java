package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void zfsStyleHasThreeSignificantDigitsAndOneLetterUnits() {
    assertThat(ByteSize.zfsStyle(0)).isEqualTo("0B");
    assertThat(ByteSize.zfsStyle(328)).isEqualTo("328B");
    assertThat(ByteSize.zfsStyle(96 << 10)).isEqualTo("96K");
    assertThat(ByteSize.zfsStyle(1_268_777)).isEqualTo("1.21M");
    assertThat(ByteSize.zfsStyle(13_207_024_435L)).isEqualTo("12.3G");
    assertThat(ByteSize.zfsStyle(512L << 20)).isEqualTo("512M");
    assertThat(ByteSize.zfsStyle(1536)).isEqualTo("1.5K");
  }

  @Test
  void humanUsesBinaryUnitsWithOneDecimal() {
    assertThat(ByteSize.human(1023)).isEqualTo("1023 B");
    assertThat(ByteSize.human(1536)).isEqualTo("1.5 KiB");
  }
}

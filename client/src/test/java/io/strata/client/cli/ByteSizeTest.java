package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void humanUsesBinaryUnitsWithOneDecimal() {
    assertThat(ByteSize.human(1023)).isEqualTo("1023 B");
    assertThat(ByteSize.human(1536)).isEqualTo("1.5 KiB");
  }
}

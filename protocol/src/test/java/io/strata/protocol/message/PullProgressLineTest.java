package io.strata.protocol.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The build log's pull progress lines: what the server writes, the CLI reads back. */
@Timeout(10)
class PullProgressLineTest {
  @Test
  void aLineReadsBackAsWhatWasWrittenAndNoOtherLineIsTakenForOne() {
    PullProgressLine p = new PullProgressLine("localhost:5000/base/app:1", 1234, 98765);
    assertThat(p.text()).isEqualTo("Pulling localhost:5000/base/app:1: 1234 of 98765 bytes");
    assertThat(PullProgressLine.parse(p.text())).isEqualTo(p);
    assertThat(
            PullProgressLine.parse("Pulling localhost:5000/a:1 (not in the store) from registry x"))
        .isNull();
    assertThat(PullProgressLine.parse("Step 1/2 : FROM localhost:5000/a:1")).isNull();
    assertThat(PullProgressLine.parse("Pulling a:1: 1 of 2 bytes and more")).isNull();
    assertThat(PullProgressLine.parse("Pulling a:1: 1 of 99999999999999999999 bytes"))
        .as("a count that does not fit a long is no progress line")
        .isNull();
  }
}

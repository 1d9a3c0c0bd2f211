package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InspectCommandTest {
  @Test
  void aServerErrorPrintsNoArrayButMissingNamesPrintDockersEmptyOne() {
    // X4d: an S3 outage printed "[ ]" as if the image did not exist
    assertThat(InspectCommand.printsArray(0, true)).isFalse();
    assertThat(InspectCommand.printsArray(0, false)).isTrue();
    // what was found is printed, as docker prints it beside the others' errors
    assertThat(InspectCommand.printsArray(1, true)).isTrue();
  }
}

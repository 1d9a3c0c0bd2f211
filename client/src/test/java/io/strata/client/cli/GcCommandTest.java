package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.message.GcReply;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GcCommandTest {
  @Test
  void aFleetGcNamesTheDuplicatesAndPacksItsBytesCameFrom() {
    // X4a: "removed 0 chunks, reclaimed 4323096 bytes" read as impossible
    String line = GcCommand.describe(new GcReply(0, 4_323_096, new GcReply.Fleet(3, 2, 1)));
    assertThat(line)
        .isEqualTo(
            "removed 0 unreferenced chunks, dropped 3 duplicate copies (aliased to one copy),"
                + " repacked 2 chunks, deleted 1 packs of the bucket: reclaimed 4323096 bytes"
                + " (4.1 MiB)");
  }

  @Test
  void aLocalGcSaysWhatItAlwaysSaid() {
    assertThat(GcCommand.describe(new GcReply(5, 1536)))
        .isEqualTo("removed 5 chunks, reclaimed 1536 bytes (1.5 KiB)");
  }
}

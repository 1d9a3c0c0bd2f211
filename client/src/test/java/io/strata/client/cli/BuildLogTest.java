package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The build log as the CLI prints it: every line the server sent, whole however the frames cut it,
 * except the progress lines of the build's pulls, which draw a bar (finished before the log goes
 * on) instead.
 */
@Timeout(10)
class BuildLogTest {
  private static final String LOG =
      String.join(
          "\n",
          "Pulling localhost:5000/base:1 (not in the store) from registry localhost:5000",
          "Pulling localhost:5000/base:1: 40 of 100 bytes",
          "Pulling localhost:5000/base:1: 90 of 100 bytes",
          "localhost:5000/base:1: sent 3 of 3 blobs, 100 of 100 bytes (0.0% already present)",
          "Pulling reg.example/tools:2: 7 of 70 bytes",
          "Step 1/2 : FROM localhost:5000/base:1 # café",
          " ---> 0123456789ab",
          "Step 2/2 : COPY a /a");

  @Test
  void progressLinesMoveABarAndEveryOtherLinePrintsWholeInOrder() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    List<String> events = new ArrayList<>();
    byte[] bytes = (LOG + "\n").getBytes(StandardCharsets.UTF_8);
    try (BuildLog log =
        new BuildLog(
            out,
            (ref, total) -> {
              events.add("bar " + ref + " of " + total);
              return n -> events.add(ref + " +" + n);
            })) {
      // frames of 5 bytes: lines, and the two bytes of the é, are cut across writes
      for (int i = 0; i < bytes.length; i += 5) {
        log.write(bytes, i, Math.min(5, bytes.length - i));
      }
      log.write("un-ended".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "Pulling localhost:5000/base:1 (not in the store) from registry localhost:5000",
            "localhost:5000/base:1: sent 3 of 3 blobs, 100 of 100 bytes (0.0% already present)",
            "Step 1/2 : FROM localhost:5000/base:1 # café",
            " ---> 0123456789ab",
            "Step 2/2 : COPY a /a",
            "un-ended");
    assertThat(events)
        .containsExactly(
            "bar localhost:5000/base:1 of 100",
            "localhost:5000/base:1 +40",
            "localhost:5000/base:1 +50",
            "bar reg.example/tools:2 of 70",
            "reg.example/tools:2 +7");
  }

  @Test
  void aBarDrawnOnTheTerminalIsClearedBeforeTheLogGoesOn() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long[] now = {0};
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    try (BuildLog log =
        new BuildLog(
            new PrintStream(printed, true, StandardCharsets.UTF_8),
            (ref, total) -> new ProgressBar(errStream, "pull " + ref, total, () -> now[0]))) {
      log.write("Pulling r.example/a:1: 1 of 4 bytes\n".getBytes(StandardCharsets.UTF_8));
      now[0] = 2_000_000_000L;
      log.write("Pulling r.example/a:1: 2 of 4 bytes\n".getBytes(StandardCharsets.UTF_8));
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains("pull r.example/a:1")
          .contains("50%");
      log.write("r.example/a:1: sent 3 of 3 blobs\n".getBytes(StandardCharsets.UTF_8));
      assertThat(err.toString(StandardCharsets.UTF_8)).endsWith("\r\033[K");
    }
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo("r.example/a:1: sent 3 of 3 blobs" + System.lineSeparator());
  }
}

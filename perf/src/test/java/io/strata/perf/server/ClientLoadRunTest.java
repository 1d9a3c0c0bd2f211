package io.strata.perf.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four clients, twenty puts each from a pool of eight objects: every put succeeds under the
 * object's digest and the server ends up holding exactly the objects drawn.
 */
class ClientLoadRunTest {
  @Test
  void everyPutLandsAndDeduplicates(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    ClientLoadRun.Result r =
        new ClientLoadRun(
                new ClientLoadRun.Settings(4, 20, 4096, 8, 7, 1, tmp),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run();

    assertThat(r.puts()).isEqualTo(80);
    assertThat(r.failures()).isZero();
    assertThat(r.wrongDigests()).isZero();
    assertThat(r.storeAgrees()).isTrue();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("| put latency p99, us")
        .contains("server listing matches the objects drawn: yes");
    assertThat(tmp).isEmptyDirectory();
  }
}

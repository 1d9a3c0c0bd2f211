package io.strata.perf.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded-memory run on 8 MiB: the blob reads back with the generator's digest. */
class BigPutRunTest {
  @Test
  void readsBackWhatItPut(@TempDir Path tmp) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    boolean ok =
        new BigPutRun(8 << 20, 5, tmp).run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(ok).isTrue();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("OK, all three SHA-256 agree");
  }
}

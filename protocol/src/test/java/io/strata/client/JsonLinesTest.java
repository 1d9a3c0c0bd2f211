package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  @Test
  void cutsLinesWhateverTheChunkBoundaries() throws IOException {
    List<String> lines = new ArrayList<>();
    JsonLines j = new JsonLines(b -> lines.add(new String(b, StandardCharsets.UTF_8)));
    accept(j, "{\"a\":1}\n{\"b\"");
    accept(j, ":2}");
    accept(j, "\n\n{\"c\":3}");
    j.finish();
    assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
  }

  /** Passes {@code piece} as a slice of a larger buffer, as the client's read buffer does. */
  private static void accept(JsonLines j, String piece) throws IOException {
    byte[] b = ("x\n" + piece + "\ny").getBytes(StandardCharsets.UTF_8);
    j.accept(b, 2, b.length - 4);
  }
}

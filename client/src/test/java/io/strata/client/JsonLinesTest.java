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
    j.accept("{\"a\":1}\n{\"b\"".getBytes(StandardCharsets.UTF_8));
    j.accept(":2}".getBytes(StandardCharsets.UTF_8));
    j.accept("\n\n{\"c\":3}".getBytes(StandardCharsets.UTF_8));
    j.finish();
    assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
  }
}

package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects written one after another share pooled windows and chunk arrays, never their bytes. */
class ObjectWriterTest {
  @TempDir Path dir;

  @Test
  void objectsWrittenInTurnReadBackExactly() throws IOException {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      byte[][] contents = new byte[8][];
      Recipe[] recipes = new Recipe[contents.length];
      for (int i = 0; i < contents.length; i++) {
        // Text and random, from a few bytes to several windows, pushed and streamed in turn.
        int size = i % 2 == 0 ? (3 << 20) + i * 12_345 : 1 + i * 7_777;
        contents[i] = i % 3 == 0 ? TestData.random(i, size) : TestData.text(i, size);
        ObjectWriter w = session.newObject();
        if (i % 2 == 0) {
          w.writeAll(new ByteArrayInputStream(contents[i]));
        } else {
          for (int off = 0; off < size; off += 1000) {
            w.write(contents[i], off, Math.min(1000, size - off));
          }
        }
        ObjectWriter.Written written = w.finish();
        assertThat(written.digest()).isEqualTo(Digest.sha256(contents[i], 0, size));
        recipes[i] = written.recipe();
      }
      for (int i = 0; i < contents.length; i++) {
        try (InputStream in =
            new RecipeInputStream(store, recipes[i], 0, recipes[i].size(), "object " + i)) {
          assertThat(in.readAllBytes()).isEqualTo(contents[i]);
        }
      }
    }
  }

  @Test
  void writingAfterFinishIsRefused() throws IOException {
    try (ChunkStore store = ChunkStore.open(dir, ChunkStore.Options.defaults());
        WriteSession session = store.session()) {
      ObjectWriter w = session.newObject();
      w.write(new byte[] {1, 2, 3}, 0, 3);
      w.finish();
      assertThatThrownBy(() -> w.write(new byte[] {4}, 0, 1))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> w.writeAll(new ByteArrayInputStream(new byte[] {4})))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}

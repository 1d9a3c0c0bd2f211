package io.strata.store.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.chunk.ChunkerParams;
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

  /**
   * With more writers than workers, writers store most chunks on their own threads, straight from
   * their windows: objects written at once, sharing much of their content, must still read back
   * exactly and each shared chunk be stored once.
   */
  @Test
  void objectsWrittenAtOnceByMoreWritersThanCoresReadBackExactly() throws Exception {
    ChunkStore.Options options =
        new ChunkStore.Options(
            ChunkerParams.DEFAULT, io.strata.store.compress.Compression.DEFAULT, true, 2, null);
    byte[] shared = TestData.text(99, 4 << 20);
    int writers = 6;
    byte[][] contents = new byte[writers][];
    for (int i = 0; i < writers; i++) {
      byte[] own = TestData.random(i, (1 << 20) + i * 1001);
      contents[i] = new byte[shared.length + own.length];
      System.arraycopy(shared, 0, contents[i], 0, shared.length);
      System.arraycopy(own, 0, contents[i], shared.length, own.length);
    }
    try (ChunkStore store = ChunkStore.open(dir, options)) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(writers);
      java.util.List<java.util.concurrent.Future<Recipe>> recipes = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < writers; i++) {
          byte[] content = contents[i];
          recipes.add(
              pool.submit(
                  () -> {
                    try (WriteSession session = store.session()) {
                      ObjectWriter w = session.newObject();
                      w.writeAll(new ByteArrayInputStream(content));
                      ObjectWriter.Written written = w.finish();
                      assertThat(written.digest())
                          .isEqualTo(Digest.sha256(content, 0, content.length));
                      session.commit(java.util.List.of());
                      return written.recipe();
                    }
                  }));
        }
        for (int i = 0; i < writers; i++) {
          Recipe r = recipes.get(i).get();
          try (InputStream in = new RecipeInputStream(store, r, 0, r.size(), "object " + i)) {
            assertThat(in.readAllBytes()).isEqualTo(contents[i]);
          }
        }
      } finally {
        pool.shutdown();
      }
      long distinct = shared.length;
      for (int i = 0; i < writers; i++) {
        distinct += contents[i].length - shared.length;
      }
      // The shared part's chunks are stored once; a chunk straddling the seam may differ per
      // object.
      assertThat(store.stats().uniqueBytes())
          .isBetween(distinct, distinct + writers * (long) ChunkerParams.MAX_CHUNK);
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

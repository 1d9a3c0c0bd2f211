package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's totals come back to nothing once everything is removed and collected: a chunk that
 * died inside a group record whose other members' rounded-up shares hid it (the pack showed no
 * waste) left its bytes in the totals for good, about 95 unique and 62 compressed bytes per
 * directory import of a few thousand files (docs/ADVERSARIAL.md, AG4).
 */
@Timeout(120)
class TotalsAfterRemovalTest {
  @TempDir Path dir;

  /** Thousands of small text files in nested directories, as an OS tree has them. */
  private Path tree() throws IOException {
    Random r = new Random(7);
    int[] sizes = {10, 100, 500, 2000, 9000};
    Path root = dir.resolve("tree");
    for (int d = 0; d < 40; d++) {
      Path sub = Files.createDirectories(root.resolve("d" + d).resolve("sub" + d % 7));
      for (int f = 0; f < 50; f++) {
        StringBuilder b = new StringBuilder();
        int n = sizes[r.nextInt(sizes.length)];
        for (int i = 0; i < n; i++) {
          b.append("abcdefgh \n".charAt(r.nextInt(10)));
        }
        Files.writeString(sub.resolve("f" + f + ".txt"), b);
      }
    }
    return root;
  }

  @Test
  void everyByteLeavesTheTotalsOnceEverythingIsRemovedAndCollected() throws IOException {
    Path tree = tree();
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      ChunkStore chunks = fix.chunks();
      for (int i = 1; i <= 2; i++) {
        fix.images().importPath(tree.toString(), "t:" + i);
        chunks.gc(); // what the import itself left dead
        fix.images().remove("t:" + i, id -> false);
        chunks.gc();
        ChunkStore.Stats s = chunks.stats();
        assertThat(s.chunks()).isZero();
        assertThat(s.uniqueBytes()).as("unique bytes after import %d", i).isZero();
        assertThat(s.compressedBytes()).as("compressed bytes after import %d", i).isZero();
      }
    }
  }
}

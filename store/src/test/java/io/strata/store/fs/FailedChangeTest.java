package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.BlockTestDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.testing.TestData;
import io.strata.store.tree.NodeCache;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * A change that fails half-way, after it changed part of the tree, undoes itself alone: the changes
 * held for the next sync (as a mount holds them) stay, and what the sync makes durable references
 * exactly the chunks its tree uses (docs/ADVERSARIAL.md, F1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailedChangeTest {
  private static final int FILE = 40_000; // three blocks of the block layout

  @TempDir Path dir;
  private ChunkStore store;
  private FailingChunks chunks;
  private NodeCache cache;
  private TreeFileSystem fs;

  @BeforeEach
  void open() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    chunks = new FailingChunks(store);
    cache = new NodeCache(8 << 20);
    AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
    Digest root;
    try (WriteSession s = store.session()) {
      TreeFileSystem.Formatted f = TreeFileSystem.format(store, cache, s, clock.get());
      s.commit(List.of(new RootChange.Put(new Root("fs", 0, f.root().bytes(), f.chunks()))));
      root = f.root();
    }
    fs =
        new TreeFileSystem(
            chunks,
            cache,
            root,
            new BlockTestDriver.Blocks(),
            false,
            (s, r, added, released) ->
                s.commit(List.of(new RootChange.Update("fs", 0, r.bytes(), added, released))),
            () -> clock.addAndGet(1_000));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  @Test
  void aWriteFailingHalfWayLeavesTheHeldChanges() throws Exception {
    byte[] kept = TestData.random(1, FILE);
    fs.writeFile("/old", new ByteArrayInputStream(TestData.random(9, FILE)), 0644, 0, 0, 0);
    fs.deferSync(true);
    fs.writeFile("/held", new ByteArrayInputStream(kept), 0644, 0, 0, 0);
    fs.mkdir("/dir", 0755);
    fs.write("/old", 0, kept, 0, 100);

    // The second of three blocks meets a full disk: the first is in the tree by then.
    chunks.failAfter.set(1);
    byte[] lost = TestData.random(2, FILE);
    assertThatThrownBy(() -> fs.write("/old", 0, lost, 0, FILE))
        .hasMessageContaining("No space left on device");
    chunks.failAfter.set(-1);

    assertThat(read("/held")).isEqualTo(kept);
    assertThat(fs.stat("/dir").isDirectory()).isTrue();
    byte[] old = read("/old");
    byte[] expected = TestData.random(9, FILE);
    System.arraycopy(kept, 0, expected, 0, 100);
    assertThat(old).as("the failed write left nothing of itself").isEqualTo(expected);

    fs.sync();
    Root r = store.root("fs");
    assertThat(Digest.of(r.payload())).isEqualTo(fs.committedRoot());
    RoaringBitmap used = TreeFileSystem.referencedChunks(store, cache, fs.committedRoot());
    // every chunk the tree uses is referenced (data a change replaced may stay referenced until
    // the snapshot goes: only node references are kept exact), and the failed write's first
    // block, stored and then undone, is not
    assertThat(RoaringBitmap.andNot(used, r.chunks())).as("missing references").isEmpty();
    int undone = store.idOf(Digest.sha256(lost, 0, 16 << 10));
    assertThat(undone).as("the undone block was stored").isNotNegative();
    assertThat(r.chunks().contains(undone)).as("the undone block is referenced").isFalse();
  }

  /**
   * Held changes dropped on a full disk are reported to the mount's next sync, not to the store's
   * own work that quiesces the view first (a gc's recount): that failed the gc once, and the mount,
   * whose fsync then succeeded, never heard of the loss (docs/ADVERSARIAL.md, R2).
   */
  @Test
  void heldChangesLostOnAFullDiskAreReportedToTheMountNotToAGc() throws Exception {
    fs.deferSync(true);
    fs.writeFile("/held", new ByteArrayInputStream(TestData.random(3, FILE)), 0644, 0, 0, 0);
    // The next write meets the full disk, and so does the commit of what was held before it.
    chunks.failAfter.set(0);
    chunks.failNodes.set(true);
    assertThatThrownBy(() -> fs.write("/held", 0, TestData.random(4, 100), 0, 100))
        .hasMessageContaining("No space left on device");
    chunks.failAfter.set(-1);
    chunks.failNodes.set(false);

    boolean[] ran = {false};
    fs.quiesced(() -> ran[0] = true);
    assertThat(ran[0]).as("the store's work ran").isTrue();
    assertThatThrownBy(fs::sync)
        .isInstanceOf(HeldChangesLost.class)
        .hasMessageContaining("changes held since the last sync were lost");
    fs.sync(); // reported once
  }

  private byte[] read(String path) throws IOException {
    byte[] out = new byte[(int) fs.stat(path).size()];
    int at = 0;
    while (at < out.length) {
      int n = fs.read(path, at, out, at, out.length - at);
      assertThat(n).isPositive();
      at += n;
    }
    return out;
  }
}

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
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * stat of a large file asks the layout for its allocated bytes once, and what it answers after
 * every kind of change, a change undone or dropped among them, is what a file system opened afresh
 * on the same tree answers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatAllocatedBytesTest {
  private static final int BLOCK = 16 << 10; // the block layout's
  private static final int BIG = 2 << 20; // over FileContents.KEPT_FROM

  @TempDir Path dir;
  private ChunkStore store;
  private FailingChunks chunks;
  private NodeCache cache;
  private Counting layout;
  private TreeFileSystem fs;
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);

  @BeforeEach
  void open() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    chunks = new FailingChunks(store);
    cache = new NodeCache(8 << 20);
    Digest root;
    try (WriteSession s = store.session()) {
      TreeFileSystem.Formatted f = TreeFileSystem.format(store, cache, s, clock.get());
      s.commit(List.of(new RootChange.Put(new Root("fs", 0, f.root().bytes(), f.chunks()))));
      root = f.root();
    }
    layout = new Counting();
    fs =
        new TreeFileSystem(
            chunks,
            cache,
            root,
            layout,
            false,
            (s, r, added, released) ->
                s.commit(List.of(new RootChange.Update("fs", 0, r.bytes(), added, released))),
            () -> clock.addAndGet(1_000));
    fs.writeFile("/big", content(1, BIG), 0644, 0, 0, 0);
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  @Test
  void aSecondStatOfAnUnchangedLargeFileDoesNotAskTheLayout() throws IOException {
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(BIG);
    int asked = layout.asked.get();
    fs.chmod("/big", 0600); // not its content
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(BIG);
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(BIG);
    assertThat(layout.asked.get()).as("layout asked again").isEqualTo(asked);

    fs.write("/big", 0, new byte[] {1}, 0, 1);
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(BIG);
    assertThat(layout.asked.get()).as("asked again once the content changed").isEqualTo(asked + 1);
  }

  @Test
  void blocksFollowEveryChangeOfTheContent() throws IOException {
    long expected = BIG;
    assertBlocks("/big", expected);

    fs.truncate("/big", 2L * BIG); // grows: a hole, no blocks
    assertBlocks("/big", expected);

    fs.write("/big", BIG + 4L * BLOCK, new byte[3 * BLOCK], 0, 3 * BLOCK); // into the hole
    expected += 3 * BLOCK;
    assertBlocks("/big", expected);

    fs.write("/big", 3L * BIG, new byte[BLOCK], 0, BLOCK); // growing past the end
    expected += BLOCK;
    assertBlocks("/big", expected);

    fs.truncate("/big", BIG + 4L * BLOCK + 100); // shrinks into the block written in the hole
    expected = BIG + 100;
    assertBlocks("/big", expected);

    fs.overwrite("/big", content(2, BIG + BLOCK), 0); // truncated, then replaced
    expected = BIG + BLOCK;
    assertBlocks("/big", expected);

    long ino = fs.stat("/big").ino();
    fs.writeFile("/big", content(3, 2 * BIG), 0644, 0, 0, 0); // replaced by a new file
    assertThat(fs.stat("/big").ino()).isNotEqualTo(ino);
    assertBlocks("/big", 2 * BIG);
  }

  @Test
  void aFailedChangeLeavesTheBlocksAsTheyWere() throws IOException {
    fs.truncate("/big", 2L * BIG);
    assertBlocks("/big", BIG);

    chunks.failAfter.set(1); // the second of three blocks meets a full disk
    assertThatThrownBy(() -> fs.write("/big", BIG, new byte[3 * BLOCK], 0, 3 * BLOCK))
        .hasMessageContaining("No space left on device");
    chunks.failAfter.set(-1);

    assertBlocks("/big", BIG);
  }

  @Test
  void heldChangesDroppedByAFailedSyncTakeTheirBlocksWithThem() throws IOException {
    fs.truncate("/big", 2L * BIG);
    fs.deferSync(true);
    fs.write("/big", BIG, new byte[3 * BLOCK], 0, 3 * BLOCK);
    assertThat(fs.stat("/big").allocatedBytes()).isEqualTo(BIG + 3 * BLOCK);

    chunks.failNodes.set(true);
    assertThatThrownBy(fs::sync).hasMessageContaining("No space left on device");
    chunks.failNodes.set(false);

    assertBlocks("/big", BIG);
  }

  @Test
  void anInodeNumberGivenOutAgainAfterADiscardHasItsOwnBlocks() throws IOException {
    fs.deferSync(true);
    fs.writeFile("/dropped", content(4, BIG), 0644, 0, 0, 0);
    FileStat dropped = fs.stat("/dropped");
    assertThat(dropped.allocatedBytes()).isEqualTo(BIG);
    fs.discard();

    // a sparse file, numbered as the dropped one was: the counter went back with the tree
    fs.write("/sparse", BIG, new byte[BLOCK], 0, BLOCK);
    fs.sync();
    assertThat(fs.stat("/sparse").ino()).isEqualTo(dropped.ino());
    assertBlocks("/sparse", BLOCK);
  }

  @Test
  void aReloadedTreeHasItsOwnBlocks() throws IOException {
    Digest before = fs.committedRoot();
    fs.truncate("/big", BIG / 2);
    assertBlocks("/big", BIG / 2);

    fs.quiesced(() -> fs.reload(before)); // as a rollback of the snapshot does

    assertBlocks("/big", BIG);
  }

  /**
   * Asserts that stat shows {@code expected} allocated bytes for {@code path}, twice (the second
   * may be kept), and that a file system opened afresh on the durable tree shows the same.
   */
  private void assertBlocks(String path, long expected) throws IOException {
    assertThat(fs.stat(path).allocatedBytes()).as("first stat").isEqualTo(expected);
    assertThat(fs.stat(path).allocatedBytes()).as("second stat").isEqualTo(expected);
    fs.sync();
    TreeFileSystem fresh =
        new TreeFileSystem(
            store,
            cache,
            fs.committedRoot(),
            new Counting(),
            true,
            (s, r, added, released) -> {
              throw new IOException("read-only");
            },
            clock::get);
    assertThat(fresh.stat(path).allocatedBytes()).as("opened afresh").isEqualTo(expected);
  }

  private static InputStream content(long seed, int length) {
    return new ByteArrayInputStream(TestData.random(seed, length));
  }

  /**
   * The block layout, counting as ZFS does (each block its length, a missing one none) and counting
   * how often it is asked.
   */
  private static final class Counting implements FileLayout {
    final AtomicInteger asked = new AtomicInteger();
    private final BlockTestDriver.Blocks blocks = new BlockTestDriver.Blocks();

    @Override
    public long allocatedBytes(FileData file) {
      asked.incrementAndGet();
      long bytes = 0;
      for (FileData.Item it : file.scan(0, Long.MAX_VALUE)) {
        bytes += dataBytes(it.value());
      }
      return bytes;
    }

    @Override
    public void write(FileData file, long offset, byte[] b, int off, int len) throws IOException {
      blocks.write(file, offset, b, off, len);
    }

    @Override
    public void read(FileData file, long offset, byte[] dst, int off, int len) throws IOException {
      blocks.read(file, offset, dst, off, len);
    }

    @Override
    public void truncate(FileData file, long newSize) throws IOException {
      blocks.truncate(file, newSize);
    }

    @Override
    public long replace(FileData file, InputStream in) throws IOException {
      return blocks.replace(file, in);
    }

    @Override
    public DirectoryCounts directories() {
      return blocks.directories();
    }

    @Override
    public long dataBytes(byte[] value) {
      return blocks.dataBytes(value);
    }
  }
}

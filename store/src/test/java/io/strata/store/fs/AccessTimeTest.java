package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.driver.BlockTestDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Access times changed by reads: by the layout's rule, in memory until the next change, sync or the
 * first read five seconds later, without touching ctime or any item a tree diff compares.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessTimeTest {
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  private ChunkStore store;
  private NodeCache cache;
  private final AtomicLong clock = new AtomicLong(T0);
  private final AtomicInteger commits = new AtomicInteger();
  private AccessTimes rule = AccessTimes.RELATIVE;
  private Digest durable;
  private TreeFileSystem fs;

  /** The block test layout, with the rule the test sets. */
  private final class RuledBlocks implements FileLayout {
    private final BlockTestDriver.Blocks blocks = new BlockTestDriver.Blocks();

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

    @Override
    public AccessTimes accessTimes() {
      return rule;
    }
  }

  @BeforeEach
  void open() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    cache = new NodeCache(8 << 20);
    try (WriteSession s = store.session()) {
      TreeFileSystem.Formatted f = TreeFileSystem.format(store, cache, s, T0);
      s.commit(List.of(new RootChange.Put(new Root("fs-at", 0, f.root().bytes(), f.chunks()))));
      durable = f.root();
    }
    fs = open(durable, false);
    fs.write("/f", 0, new byte[] {1, 2, 3}, 0, 3);
    fs.mkdir("/d", 0755);
  }

  private TreeFileSystem open(Digest root, boolean readOnly) {
    return new TreeFileSystem(
        store,
        cache,
        root,
        new RuledBlocks(),
        readOnly,
        (s, r, added, released) -> {
          s.commit(List.of(new RootChange.Update("fs-at", 0, r.bytes(), added, released)));
          durable = r;
          commits.incrementAndGet();
        },
        clock::get);
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private void read(TreeFileSystem on, String path) throws IOException {
    on.read(path, 0, new byte[8], 0, 8);
  }

  private void tick(long nanos) {
    clock.addAndGet(nanos);
  }

  @Test
  void relatimeChangesAtimeOnceAfterAChangeAndAgainADayLaterNeverCtime() throws IOException {
    FileStat written = fs.stat("/f");
    tick(SECOND);
    read(fs, "/f");
    FileStat read = fs.stat("/f");
    assertThat(read.atimeNanos()).isEqualTo(T0 + SECOND);
    assertThat(read.ctimeNanos()).isEqualTo(written.ctimeNanos());
    assertThat(read.mtimeNanos()).isEqualTo(written.mtimeNanos());

    tick(SECOND);
    read(fs, "/f");
    assertThat(fs.stat("/f").atimeNanos())
        .as("atime is after mtime and ctime")
        .isEqualTo(T0 + SECOND);
    tick(AccessTimes.DAY_NANOS);
    read(fs, "/f");
    assertThat(fs.stat("/f").atimeNanos()).isEqualTo(T0 + 2 * SECOND + AccessTimes.DAY_NANOS);

    tick(SECOND);
    fs.write("/f", 0, new byte[] {9}, 0, 1);
    FileStat changed = fs.stat("/f");
    assertThat(changed.atimeNanos())
        .as("a write changes no atime")
        .isEqualTo(T0 + 2 * SECOND + AccessTimes.DAY_NANOS);
    tick(SECOND);
    read(fs, "/f");
    assertThat(fs.stat("/f").atimeNanos()).as("mtime is after atime again").isEqualTo(clock.get());
  }

  @Test
  void readsStayInMemoryUntilTheNextChangeOrSyncAndAreDurableThen() throws IOException {
    Digest before = durable;
    int commitsBefore = commits.get();
    tick(SECOND);
    rule = AccessTimes.EVERY_READ;
    for (int i = 0; i < 100; i++) {
      tick(1000);
      read(fs, "/f");
    }
    fs.list("/d");
    assertThat(commits.get()).as("no read took the write path").isEqualTo(commitsBefore);
    assertThat(durable).isEqualTo(before);
    long lastRead = fs.stat("/f").atimeNanos();
    assertThat(lastRead).isEqualTo(T0 + SECOND + 100 * 1000);

    fs.mkdir("/e", 0755); // the next change writes them
    assertThat(commits.get()).isEqualTo(commitsBefore + 1);
    TreeFileSystem reopened = open(durable, true);
    assertThat(reopened.stat("/f").atimeNanos()).isEqualTo(lastRead);
    assertThat(reopened.stat("/d").atimeNanos()).as("readdir").isEqualTo(lastRead);

    tick(SECOND);
    read(fs, "/f");
    fs.sync();
    assertThat(open(durable, true).stat("/f").atimeNanos()).isEqualTo(T0 + 2 * SECOND + 100_000);
  }

  @Test
  void aReadFiveSecondsAfterTheOldestWritesThemAsZfsWritesItsTransactionGroup() throws IOException {
    int commitsBefore = commits.get();
    tick(SECOND);
    read(fs, "/f");
    tick(4 * SECOND);
    read(fs, "/f"); // a read before the timeout writes nothing
    assertThat(commits.get()).isEqualTo(commitsBefore);
    tick(SECOND);
    fs.list("/");
    assertThat(commits.get()).as("the first read after 5 s").isEqualTo(commitsBefore + 1);
    assertThat(open(durable, true).stat("/f").atimeNanos()).isEqualTo(T0 + SECOND);
  }

  @Test
  void neverAndReadOnlyChangeNothing() throws IOException {
    rule = AccessTimes.NEVER;
    long atime = fs.stat("/f").atimeNanos();
    Digest before = durable;
    tick(SECOND);
    read(fs, "/f");
    fs.sync();
    assertThat(fs.stat("/f").atimeNanos()).isEqualTo(atime);
    assertThat(durable).isEqualTo(before);

    rule = AccessTimes.EVERY_READ;
    TreeFileSystem view = open(durable, true);
    tick(SECOND);
    read(view, "/f");
    assertThat(view.stat("/f").atimeNanos()).isEqualTo(atime);

    read(fs, "/f");
    rule = AccessTimes.NEVER; // turned off after the read: what it set is still written
    fs.sync();
    assertThat(open(durable, true).stat("/f").atimeNanos()).isEqualTo(clock.get());
  }

  @Test
  void anExplicitAtimeWinsOverWhatAReadSetAndTreeDiffsSeeNoRead() throws IOException {
    tick(SECOND);
    read(fs, "/f");
    fs.setTimes("/f", 5 * SECOND, 7 * SECOND);
    assertThat(fs.stat("/f").atimeNanos()).isEqualTo(7 * SECOND);
    assertThat(open(durable, true).stat("/f").atimeNanos()).isEqualTo(7 * SECOND);

    Digest explicit = durable;
    tick(SECOND);
    read(fs, "/f");
    fs.sync();
    assertThat(durable).isNotEqualTo(explicit);
    List<Byte> types = new ArrayList<>();
    CowTree.diff(
        open(explicit, true).tree(),
        open(durable, true).tree(),
        (k, was, now) -> types.add(FsKeys.type(k)));
    assertThat(types).as("only the ATIME item").containsExactly(FsKeys.ATIME);
  }
}

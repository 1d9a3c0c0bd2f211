package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.compress.Compression;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock of {@link TreeFileSystem}: reads run side by side, a change waits for the reads inside
 * and runs alone. The store underneath is real; a gate in front of its chunk reads holds readers
 * where the lock is held, so that the order of events is forced, not hoped for.
 */
class TreeFileSystemLockTest {
  private static final int FILE = 40_000; // three blocks of the block layout

  @TempDir Path dir;
  private ChunkStore store;
  private GatedChunks chunks;
  private TreeFileSystem fs;

  @BeforeEach
  void open() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    chunks = new GatedChunks(store);
    NodeCache cache = new NodeCache(8 << 20);
    AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
    Digest root;
    try (WriteSession s = store.session()) {
      TreeFileSystem.Formatted f = TreeFileSystem.format(store, cache, s, clock.get());
      s.commit(List.of(new RootChange.Put(new Root("fs-lock", 0, f.root().bytes(), f.chunks()))));
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
                s.commit(List.of(new RootChange.Update("fs-lock", 0, r.bytes(), added, released))),
            () -> clock.addAndGet(1_000));
    fs.writeFile("/a", new ByteArrayInputStream(TestData.random(1, FILE)), 0644, 0, 0, 0);
    fs.writeFile("/b", new ByteArrayInputStream(TestData.random(2, FILE)), 0644, 0, 0, 0);
  }

  @AfterEach
  void close() throws IOException {
    chunks.release.countDown();
    store.close();
  }

  @Test
  @Timeout(60)
  void readsRunSideBySide() throws Exception {
    // Each of the first two chunk reads waits for the other: only readers inside together pass.
    chunks.meet = new CountDownLatch(2);
    AtomicReference<byte[]> a = new AtomicReference<>();
    AtomicReference<byte[]> b = new AtomicReference<>();
    List<Throwable> failures = new ArrayList<>();
    Thread ta = reader("/a", a, failures);
    Thread tb = reader("/b", b, failures);
    ta.join(30_000);
    tb.join(30_000);
    assertThat(failures).isEmpty();
    assertThat(chunks.alone.get())
        .as("a read waited for another that could not get in beside it")
        .isFalse();
    assertThat(a.get()).isEqualTo(TestData.random(1, FILE));
    assertThat(b.get()).isEqualTo(TestData.random(2, FILE));
  }

  @Test
  @Timeout(60)
  void aChangeWaitsForTheReadsInsideAndRunsAlone() throws Exception {
    chunks.hold = true;
    AtomicReference<byte[]> a = new AtomicReference<>();
    List<Throwable> failures = new ArrayList<>();
    Thread ta = reader("/a", a, failures);
    assertThat(chunks.entered.await(30, TimeUnit.SECONDS))
        .as("the reader reached a chunk")
        .isTrue();
    Thread writer =
        start(() -> fs.write("/b", 100, TestData.random(3, 5_000), 0, 5_000), failures, "writer");
    // The writer must park on the lock while the reader is inside; one that runs through did not.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (writer.getState() != Thread.State.WAITING && writer.isAlive()) {
      assertThat(System.nanoTime()).as("the writer parks on the lock").isLessThan(deadline);
      Thread.onSpinWait();
    }
    assertThat(writer.isAlive()).as("the writer waits while a read is inside").isTrue();
    chunks.release.countDown();
    ta.join(30_000);
    writer.join(30_000);
    assertThat(failures).isEmpty();
    assertThat(chunks.overlapped.get())
        .as("a change stored a chunk while a read was inside")
        .isZero();
    assertThat(a.get()).isEqualTo(TestData.random(1, FILE));
    byte[] expected = TestData.random(2, FILE);
    System.arraycopy(TestData.random(3, 5_000), 0, expected, 100, 5_000);
    byte[] now = new byte[FILE];
    assertThat(fs.read("/b", 0, now, 0, FILE)).isEqualTo(FILE);
    assertThat(now).isEqualTo(expected);
  }

  @Test
  @Timeout(60)
  void aHolderOfTheWriteLockMayReadAndChange() throws IOException {
    byte[] seen = new byte[FILE];
    fs.exclusively(
        () -> {
          assertThat(fs.read("/a", 0, seen, 0, FILE)).isEqualTo(FILE);
          fs.writeFile("/c", new ByteArrayInputStream(seen), 0600, 0, 0, 0);
        });
    byte[] copy = new byte[FILE];
    assertThat(fs.read("/c", 0, copy, 0, FILE)).isEqualTo(FILE);
    assertThat(copy).isEqualTo(TestData.random(1, FILE));
  }

  private Thread reader(String path, AtomicReference<byte[]> into, List<Throwable> failures) {
    return start(
        () -> {
          byte[] buf = new byte[FILE];
          int n = fs.read(path, 0, buf, 0, FILE);
          into.set(Arrays.copyOf(buf, Math.max(n, 0)));
        },
        failures,
        "reader " + path);
  }

  private static Thread start(TreeFileSystem.Change work, List<Throwable> failures, String name) {
    Thread t =
        new Thread(
            () -> {
              try {
                work.run();
              } catch (Throwable e) {
                synchronized (failures) {
                  failures.add(e);
                }
              }
            },
            name);
    t.start();
    return t;
  }

  /**
   * The chunk store behind a gate: the first two chunk reads can be made to meet each other ({@code
   * meet}), or the first to wait until released ({@code hold}); a chunk stored while a read is
   * inside is counted.
   */
  private static final class GatedChunks extends ForwardingChunks {
    private final AtomicInteger arrivals = new AtomicInteger();
    private final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger overlapped = new AtomicInteger();
    final AtomicBoolean alone = new AtomicBoolean();
    private final AtomicBoolean held = new AtomicBoolean();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile CountDownLatch meet;
    volatile boolean hold;

    GatedChunks(ChunkStore store) {
      super(store);
    }

    @Override
    public int read(int id, byte[] dst) throws IOException {
      inside.incrementAndGet();
      try {
        CountDownLatch m = meet;
        if (m != null && arrivals.getAndIncrement() < 2) {
          m.countDown();
          if (!m.await(20, TimeUnit.SECONDS)) {
            alone.set(true);
          }
        }
        if (hold && held.compareAndSet(false, true)) {
          entered.countDown();
          if (!release.await(30, TimeUnit.SECONDS)) {
            throw new IOException("the test never released the reader");
          }
        }
        return store.read(id, dst);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override
    public ChunkStore.Stored putChunk(
        WriteSession session, byte[] b, int off, int len, Compression compression)
        throws IOException {
      if (inside.get() > 0) {
        overlapped.incrementAndGet();
      }
      return store.putChunk(session, b, off, len, compression);
    }

    @Override
    public ChunkStore.Stored putNode(WriteSession session, byte[] node, int off, int len)
        throws IOException {
      if (inside.get() > 0) {
        overlapped.incrementAndGet();
      }
      return store.putNode(session, node, off, len);
    }
  }
}

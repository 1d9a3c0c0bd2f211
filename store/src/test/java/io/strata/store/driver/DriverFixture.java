package io.strata.store.driver;

import io.strata.store.engine.ChunkStore;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real chunk store and a driver over it in one directory, reopenable: what every driver test
 * starts from. The clock ticks one millisecond per reading, so times are deterministic.
 */
public final class DriverFixture implements AutoCloseable {
  private final Path dir;
  private final StorageDriverProvider provider;
  private final ChunkStore.Options options;
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
  private ChunkStore chunks;
  private StorageDriver driver;

  public DriverFixture(Path dir, StorageDriverProvider provider) throws IOException {
    this(dir, provider, ChunkStore.Options.defaults());
  }

  /** As above, the chunk store opened with {@code options} (a shared bucket, say). */
  public DriverFixture(Path dir, StorageDriverProvider provider, ChunkStore.Options options)
      throws IOException {
    this.dir = dir;
    this.provider = provider;
    this.options = options;
    open();
  }

  private void open() throws IOException {
    chunks = ChunkStore.open(dir.resolve("chunks"), options);
    driver =
        provider.open(
            new DriverContext(
                chunks,
                dir.resolve(provider.name()),
                // as the server sizes it, for tests of memory (ManyFilesMemoryTest)
                Boolean.getBoolean("strata.test.heapNodeCache")
                    ? NodeCache.forHeap(Runtime.getRuntime().maxMemory())
                    : new NodeCache(32 << 20),
                () -> clock.addAndGet(1_000_000)));
  }

  public StorageDriver driver() {
    return driver;
  }

  public ChunkStore chunks() {
    return chunks;
  }

  public Path dir() {
    return dir;
  }

  /** Closes the driver and the store cleanly and opens them again. */
  public StorageDriver reopen() throws IOException {
    close();
    open();
    return driver;
  }

  @Override
  public void close() throws IOException {
    driver.close();
    chunks.close();
  }
}

package io.strata.driver.btrfs;

import io.strata.store.driver.DriverContext;
import io.strata.store.engine.ChunkStore;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** A btrfs driver over a real chunk store in a directory, which a test can close and reopen. */
final class Fixture implements AutoCloseable {
  private final Path dir;
  private final AtomicLong nextUuid = new AtomicLong(1);
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
  private ChunkStore store;
  private BtrfsDriver driver;

  private Fixture(Path dir) {
    this.dir = dir;
  }

  static Fixture open(Path dir) throws IOException {
    Fixture f = new Fixture(dir);
    f.start();
    return f;
  }

  private void start() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    driver =
        new BtrfsDriver(context(), () -> new UUID(0x5354524154410000L, nextUuid.getAndIncrement()));
  }

  /** What the engine hands a driver: a clock that ticks one millisecond per reading. */
  DriverContext context() {
    return new DriverContext(
        store, dir.resolve("btrfs"), new NodeCache(64 << 20), () -> clock.addAndGet(1_000_000));
  }

  /** Moves the clock on by {@code nanos}, as time passing between two calls. */
  void advance(long nanos) {
    clock.addAndGet(nanos);
  }

  BtrfsDriver driver() {
    return driver;
  }

  ChunkStore store() {
    return store;
  }

  /** Bytes of the pack files: what the store has taken on disk so far. */
  long storedBytes() throws IOException {
    return store.stats().storedBytes();
  }

  /** Closes the driver and the chunk store, then opens both again from disk. */
  void reopen() throws IOException {
    close();
    start();
  }

  /**
   * What a kill -9 leaves: the driver is dropped unclosed, so nothing its file systems hold is
   * committed; the store closes on what is durable; both open again from disk.
   */
  void crash() throws IOException {
    crash(() -> {});
  }

  /** {@link #crash()}, with {@code meanwhile} done to the data root while nothing runs. */
  void crash(Meanwhile meanwhile) throws IOException {
    store.close();
    meanwhile.run();
    start();
  }

  /** What a test does to a data root between a crash and the next start. */
  @FunctionalInterface
  interface Meanwhile {
    void run() throws IOException;
  }

  @Override
  public void close() throws IOException {
    driver.close();
    store.close();
  }
}

package io.strata.perf.driver;

import io.strata.perf.ScratchDir;
import io.strata.store.Engine;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A fresh data root created with one driver (default store options: zstd:3, verify on write), open
 * in this process, and deleted when closed.
 */
final class DriverRoot implements AutoCloseable {
  private final ScratchDir dir;
  private final Engine engine;

  private DriverRoot(ScratchDir dir, Engine engine) {
    this.dir = dir;
    this.engine = engine;
  }

  /**
   * Creates a data root with {@code driver} ({@code btrfs} or {@code zfs}) under {@code scratch}.
   */
  static DriverRoot create(Path scratch, String driver) throws IOException {
    ScratchDir dir = ScratchDir.create(scratch, "strata-" + driver + "-");
    try {
      return new DriverRoot(dir, Engine.open(dir.path(), driver, ChunkStore.Options.defaults()));
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  /** The open data root, for the image and container stores over it. */
  Engine engine() {
    return engine;
  }

  /** The storage driver. */
  StorageDriver driver() throws IOException {
    return engine.storage();
  }

  /** Bytes of the pack files: everything the store has written so far, live or not. */
  long packBytes() throws IOException {
    return engine.chunks().stats().storedBytes();
  }

  @Override
  public void close() throws IOException {
    try {
      engine.close();
    } finally {
      dir.close();
    }
  }
}

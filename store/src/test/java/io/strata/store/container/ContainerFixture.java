package io.strata.store.container;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.DriverFixture;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A data root in one directory: a real chunk store, the store's test block driver, the image store
 * and the container store over them, with seeded ids and a fixed clock; reopenable to check what
 * survives.
 */
final class ContainerFixture implements AutoCloseable {
  private final DriverFixture drivers;
  private final List<Path> allowBind;
  private long seed = 42;
  private ImageStore images;
  private ContainerStore containers;

  ContainerFixture(Path dataRoot, List<Path> allowBind) throws IOException {
    this.drivers = new DriverFixture(dataRoot, BlockTestDriver.PROVIDER);
    this.allowBind = allowBind;
    open();
  }

  private void open() throws IOException {
    images = new ImageStore(drivers.chunks(), drivers.driver(), drivers.dir().resolve("tmp"));
    containers =
        new ContainerStore(
            drivers.driver(),
            images,
            drivers.dir(),
            allowBind,
            new SplittableRandom(seed++),
            Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));
  }

  ImageStore images() {
    return images;
  }

  ContainerStore containers() {
    return containers;
  }

  ChunkStore chunks() {
    return drivers.chunks();
  }

  StorageDriver driver() {
    return drivers.driver();
  }

  Path dataRoot() {
    return drivers.dir();
  }

  /** Closes everything and opens it again, running every store's recovery. */
  ContainerStore reopen() throws IOException {
    drivers.reopen();
    open();
    return containers;
  }

  @Override
  public void close() throws IOException {
    drivers.close();
  }
}

package io.strata.store.image;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.DriverFixture;
import io.strata.store.driver.StorageDriver;
import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.LayerStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real chunk store, a driver (the store's test block driver unless given) and an image store over
 * them, in one directory; reopenable to check what survives.
 */
public final class ImageFixture implements AutoCloseable {
  private final DriverFixture drivers;
  private ImageStore images;

  public ImageFixture(Path dir) throws IOException {
    this(dir, BlockTestDriver.PROVIDER);
  }

  public ImageFixture(Path dir, StorageDriverProvider provider) throws IOException {
    drivers = new DriverFixture(dir, provider);
    images = new ImageStore(drivers.chunks(), drivers.driver(), dir.resolve("tmp"));
  }

  public ImageStore images() {
    return images;
  }

  /** The layer store under the image store, for tests of layers themselves. */
  public LayerStore layers() {
    return images.layers();
  }

  public StorageDriver driver() {
    return drivers.driver();
  }

  public ChunkStore chunks() {
    return drivers.chunks();
  }

  /** Closes everything and opens it again (running the image store's recovery). */
  public ImageStore reopen() throws IOException {
    drivers.reopen();
    images = new ImageStore(drivers.chunks(), drivers.driver(), drivers.dir().resolve("tmp"));
    return images;
  }

  /** Snapshot keys and root names: what a refused operation must leave unchanged. */
  public List<String> state() {
    List<String> out = new ArrayList<>();
    driver().walk(s -> out.add("snap " + s.key() + " " + s.kind()));
    chunks().allRoots().stream().map(r -> "root " + r.name()).sorted().forEach(out::add);
    return out;
  }

  @Override
  public void close() throws IOException {
    drivers.close();
  }
}

package io.strata.store.driver;

import java.io.IOException;

/**
 * Makes a driver; found with {@link java.util.ServiceLoader}, so the engine never names a driver
 * class. Each driver module lists its provider in {@code
 * META-INF/services/io.strata.store.driver.StorageDriverProvider}.
 */
public interface StorageDriverProvider {
  /** The name a data root is created with ({@code btrfs}, {@code zfs}). */
  String name();

  /** Opens the driver over a data root. */
  StorageDriver open(DriverContext context) throws IOException;
}

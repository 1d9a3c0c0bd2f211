/**
 * The storage driver SPI ({@link io.strata.store.driver.StorageDriver}), found through {@link
 * java.util.ServiceLoader}, and {@link io.strata.store.driver.SnapshotSet}, the snapshot
 * bookkeeping both drivers build on.
 */
package io.strata.store.driver;

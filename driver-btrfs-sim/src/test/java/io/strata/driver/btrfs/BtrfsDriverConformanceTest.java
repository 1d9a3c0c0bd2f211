package io.strata.driver.btrfs;

import io.strata.store.driver.DriverConformanceTest;
import io.strata.store.driver.StorageDriverProvider;
import java.util.Map;

/** Runs the shared driver conformance suite against the btrfs driver. */
class BtrfsDriverConformanceTest extends DriverConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return new BtrfsDriverProvider();
  }

  /** {@code btrfs subvolume list} names a subvolume by its path, which is the snapshot's key. */
  @Override
  protected String listedKey(Map<String, Object> row) {
    return (String) row.get("path");
  }
}

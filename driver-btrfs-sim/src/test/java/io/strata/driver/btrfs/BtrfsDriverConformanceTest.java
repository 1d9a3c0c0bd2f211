package io.strata.driver.btrfs;

import io.strata.store.driver.DriverConformanceTest;
import io.strata.store.driver.StorageDriverProvider;

/** Runs the shared driver conformance suite against the btrfs driver. */
class BtrfsDriverConformanceTest extends DriverConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return new BtrfsDriverProvider();
  }
}

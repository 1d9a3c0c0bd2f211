package io.strata.driver.zfs;

import io.strata.store.driver.DriverConformanceTest;
import io.strata.store.driver.StorageDriverProvider;

/** Runs the shared driver conformance suite against the zfs driver. */
class ZfsDriverConformanceTest extends DriverConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return new ZfsDriverProvider();
  }
}

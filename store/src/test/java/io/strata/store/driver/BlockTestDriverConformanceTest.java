package io.strata.store.driver;

/** Runs the conformance suite against the test-only block driver. */
class BlockTestDriverConformanceTest extends DriverConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return BlockTestDriver.PROVIDER;
  }
}

package io.strata.store.image.layer;

import io.strata.store.driver.BlockTestDriver;
import io.strata.store.driver.StorageDriverProvider;

/** The changeset suite on the store's own block test driver. */
class BlockChangesetTest extends ChangesetConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return BlockTestDriver.PROVIDER;
  }
}

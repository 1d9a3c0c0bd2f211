package io.strata.driver.btrfs;

import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.image.layer.ChangesetConformanceTest;

/** Runs the shared OCI changeset suite (whiteouts, links, xattrs, hostile entries) on btrfs. */
class BtrfsChangesetTest extends ChangesetConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return new BtrfsDriverProvider();
  }
}

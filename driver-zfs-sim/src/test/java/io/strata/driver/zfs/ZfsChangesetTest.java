package io.strata.driver.zfs;

import io.strata.store.driver.StorageDriverProvider;
import io.strata.store.image.layer.ChangesetConformanceTest;

/** Runs the shared OCI changeset suite (whiteouts, links, xattrs, hostile entries) on zfs. */
class ZfsChangesetTest extends ChangesetConformanceTest {
  @Override
  protected StorageDriverProvider provider() {
    return new ZfsDriverProvider();
  }
}

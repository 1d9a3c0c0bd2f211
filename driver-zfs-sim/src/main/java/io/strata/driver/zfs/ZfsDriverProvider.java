package io.strata.driver.zfs;

import io.strata.store.driver.DriverContext;
import io.strata.store.driver.StorageDriver;
import io.strata.store.driver.StorageDriverProvider;
import java.io.IOException;

/** Makes the {@code zfs} driver; listed for {@link java.util.ServiceLoader}. */
public final class ZfsDriverProvider implements StorageDriverProvider {
  @Override
  public String name() {
    return ZfsDriver.NAME;
  }

  @Override
  public StorageDriver open(DriverContext context) throws IOException {
    return ZfsDriver.open(context);
  }
}

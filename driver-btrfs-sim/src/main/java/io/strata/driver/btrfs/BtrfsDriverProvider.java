package io.strata.driver.btrfs;

import io.strata.store.driver.DriverContext;
import io.strata.store.driver.StorageDriver;
import io.strata.store.driver.StorageDriverProvider;
import java.io.IOException;
import java.util.UUID;

/** Makes the {@code btrfs} driver; listed for {@link java.util.ServiceLoader}. */
public final class BtrfsDriverProvider implements StorageDriverProvider {
  @Override
  public String name() {
    return BtrfsDriver.NAME;
  }

  @Override
  public StorageDriver open(DriverContext context) throws IOException {
    return new BtrfsDriver(context, UUID::randomUUID);
  }
}

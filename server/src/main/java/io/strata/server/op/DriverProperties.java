package io.strata.server.op;

import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.store.driver.NativeProperties;
import io.strata.store.driver.StorageDriver;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code driver.property}: the driver tool's property commands, where the driver has them. */
final class DriverProperties {
  private DriverProperties() {}

  static List<Map<String, Object>> run(StorageDriver driver, DriverPropertyArgs a)
      throws IOException {
    if (!(driver instanceof NativeProperties p)) {
      throw new InvalidArgumentException(
          "driver." + a.op() + ": driver " + driver.name() + " has no properties");
    }
    return p.properties(a.op(), a.property(), a.value(), a.name());
  }
}

package io.strata.server.op;

import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.protocol.message.DriverSetArgs;
import io.strata.store.driver.NativeProperties;
import io.strata.store.driver.PropertyAssignment;
import io.strata.store.driver.StorageDriver;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code driver.property} and {@code driver.set}: the driver tool's property commands, where the
 * driver has them.
 */
final class DriverProperties {
  private DriverProperties() {}

  static List<Map<String, Object>> run(StorageDriver driver, DriverPropertyArgs a)
      throws IOException {
    return of(driver, a.op()).properties(a.op(), a.property(), a.value(), a.name());
  }

  /** {@code driver.set}: every assignment on every name, all or nothing. */
  static List<Map<String, Object>> set(StorageDriver driver, DriverSetArgs a) throws IOException {
    List<PropertyAssignment> assignments = new ArrayList<>();
    a.properties().forEach((k, v) -> assignments.add(new PropertyAssignment(k, v)));
    for (String p : a.inherit()) {
      if (a.properties().containsKey(p)) {
        throw new InvalidArgumentException("driver.set: " + p + " both set and inherited");
      }
      assignments.add(new PropertyAssignment(p, null));
    }
    for (PropertyAssignment x : assignments) {
      if (x.property().isEmpty()) {
        throw new InvalidArgumentException("driver.set: an assignment without a property");
      }
    }
    for (String name : a.names()) {
      if (name == null || name.isEmpty()) {
        throw new InvalidArgumentException("driver.set: an empty name (no names: the pool)");
      }
    }
    return of(driver, "set").setAll(assignments, a.names());
  }

  private static NativeProperties of(StorageDriver driver, String op) {
    if (!(driver instanceof NativeProperties p)) {
      throw new InvalidArgumentException(
          "driver." + op + ": driver " + driver.name() + " has no properties");
    }
    return p;
  }
}

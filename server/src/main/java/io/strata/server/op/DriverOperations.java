package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.protocol.message.DriverSetArgs;
import io.strata.protocol.message.ListEnd;
import io.strata.store.Engine;
import io.strata.store.driver.Drivers;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code driver.ls}, {@code driver.property} and {@code driver.set}: the storage driver's own view
 * of its subvolumes or datasets, and their properties.
 */
final class DriverOperations {
  private final Engine engine;

  DriverOperations(Engine engine) {
    this.engine = engine;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.DRIVER_LIST, this::list);
    into.put(Opcode.DRIVER_PROPERTY, this::property);
    into.put(Opcode.DRIVER_SET, this::set);
  }

  private Outcome list(byte[] json) throws IOException {
    Arguments.read(json, Object.class, Opcode.DRIVER_LIST);
    if (!Drivers.available().contains(engine.driver())) {
      throw new UnservedException(
          "driver.ls: this server was built without the "
              + engine.driver()
              + " driver of data root "
              + engine.dataRoot()
              + " (available: "
              + Drivers.available()
              + ")");
    }
    JsonLinesStream lines = new JsonLinesStream(engine.storage().nativeListing().iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome property(byte[] json) throws IOException {
    DriverPropertyArgs a = Arguments.read(json, DriverPropertyArgs.class, Opcode.DRIVER_PROPERTY);
    List<Map<String, Object>> rows = DriverProperties.run(engine.storage(), a);
    JsonLinesStream lines = new JsonLinesStream(rows.iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome set(byte[] json) throws IOException {
    DriverSetArgs a = Arguments.read(json, DriverSetArgs.class, Opcode.DRIVER_SET);
    List<Map<String, Object>> rows = DriverProperties.set(engine.storage(), a);
    JsonLinesStream lines = new JsonLinesStream(rows.iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }
}

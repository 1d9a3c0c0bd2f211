package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.ListEnd;
import io.strata.store.driver.Drivers;
import io.strata.store.engine.Engine;
import java.io.IOException;
import java.util.Map;

/** {@code driver.ls}: the storage driver's own view of its subvolumes or datasets. */
final class DriverOperations {
  private final Engine engine;

  DriverOperations(Engine engine) {
    this.engine = engine;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.DRIVER_LIST, this::list);
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
}

package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.store.engine.Engine;
import io.strata.store.engine.GcResult;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The opcodes this server serves and the operation for each. An opcode without an entry (one this
 * build knows but does not serve yet, or one it does not know at all) is answered UNIMPLEMENTED by
 * the dispatcher.
 */
public final class Operations {
  private final Map<Opcode, Operation> byOpcode;

  private Operations(Map<Opcode, Operation> byOpcode) {
    this.byOpcode = byOpcode;
  }

  /** The operations over {@code engine}; {@code gcListener} hears of every finished gc. */
  public static Operations over(Engine engine, Consumer<GcResult> gcListener) {
    Map<Opcode, Operation> m = new EnumMap<>(Opcode.class);
    new StoreOperations(engine, gcListener).register(m);
    new BlobOperations(engine.blobs()).register(m);
    new DriverOperations(engine).register(m);
    return new Operations(m);
  }

  /** The operation of wire opcode {@code code}, or null when it is not served. */
  public Operation find(int code) {
    Opcode op = Opcode.of(code);
    return op == null ? null : byOpcode.get(op);
  }
}

package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.store.engine.Engine;
import io.strata.store.engine.GcResult;
import io.strata.store.image.ImageStore;
import java.io.IOException;
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
  private final ImageTransfers imageTransfers;

  private Operations(Map<Opcode, Operation> byOpcode, ImageTransfers imageTransfers) {
    this.byOpcode = byOpcode;
    this.imageTransfers = imageTransfers;
  }

  /**
   * The operations over {@code engine}; {@code gcListener} hears of every finished gc, {@code
   * imageUse} tells which images containers use. Opens the data root's images, which repairs what a
   * crash cut short.
   */
  public static Operations over(Engine engine, Consumer<GcResult> gcListener, ImageUse imageUse)
      throws IOException {
    Map<Opcode, Operation> m = new EnumMap<>(Opcode.class);
    new StoreOperations(engine, gcListener).register(m);
    new BlobOperations(engine.blobs()).register(m);
    new DriverOperations(engine).register(m);
    ImageStore images = ImageStore.open(engine);
    new ImageOperations(images, imageUse).register(m);
    ImageTransfers transfers = new ImageTransfers(images, engine.dataRoot().resolve("tmp"));
    transfers.register(m);
    return new Operations(m, transfers);
  }

  /** The operation of wire opcode {@code code}, or null when it is not served. */
  public Operation find(int code) {
    Opcode op = Opcode.of(code);
    return op == null ? null : byOpcode.get(op);
  }

  /**
   * Stops the threads that produce exports and build logs, once the requests are answered; waits a
   * few seconds for those still running to notice.
   */
  public void shutdown() throws InterruptedException {
    imageTransfers.shutdown();
  }
}

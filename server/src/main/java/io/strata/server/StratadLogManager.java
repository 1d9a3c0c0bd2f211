package io.strata.server;

import java.util.logging.LogManager;

/**
 * java.util.logging's manager for stratad, which keeps logging through the JVM's shutdown. The
 * stock manager resets itself from a shutdown hook of its own, running beside stratad's, so the
 * lines stratad writes while it stops ("shutting down", "stopped; data root ... closed") were lost.
 * This one ignores a reset asked for once the JVM is shutting down: the process ends right after,
 * and the console handler needs no closing.
 */
public final class StratadLogManager extends LogManager {
  @Override
  public void reset() {
    if (!shuttingDown()) {
      super.reset();
    }
  }

  private static boolean shuttingDown() {
    Thread probe = new Thread(() -> {}, "stratad-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}

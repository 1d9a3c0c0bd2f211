package io.strata.store.container;

import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How a container is changed: one change at a time per container, each as one group of changes made
 * durable at its end or not at all ({@link ContainerStore#change}, {@code cp} in), and {@code
 * commit} and {@code rm} never in the middle of such a group. A fixed set of lock stripes keyed by
 * container id bounds the locks however many containers come and go; two containers on the same
 * stripe only wait for each other.
 */
final class ContainerLocks {
  private static final int STRIPES = 64;

  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

  ContainerLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Work done on a container. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws IOException;
  }

  /** Runs {@code work} with no other change of container {@code id} under way. */
  <T> T exclusive(String id, Work<T> work) throws IOException {
    ReentrantLock lock = stripes[Math.floorMod(id.hashCode(), STRIPES)];
    lock.lock();
    try {
      return work.run();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code work}, which changes container {@code id} through {@code view}, as one group: its
   * changes to the writable layer become durable together when it returns, and are dropped if it
   * fails, so a request that fails half-way leaves the layer as it was. (Writes into volumes and
   * bind mounts go to host files directly, as they would in Docker.)
   */
  <T> T group(String id, FileSystemView view, Work<T> work) throws IOException {
    return exclusive(
        id,
        () -> {
          view.deferSync(true);
          boolean durable = false;
          try {
            T result = work.run();
            view.deferSync(false);
            durable = true;
            return result;
          } finally {
            if (!durable) {
              view.discard();
              view.deferSync(false);
            }
          }
        });
  }
}

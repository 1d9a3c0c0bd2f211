package io.strata.store.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A write session's groups that are not yet in a pack: the one taking its new small chunks, and
 * those full and on their way (compressed by a flusher thread or the thread that filled them). The
 * session's commit flushes them all before its fsync ({@link ChunkGroups#flushSession}).
 */
final class SessionGroups {
  private OpenGroup current;
  private final List<OpenGroup> unflushed = new ArrayList<>();
  private Throwable failure;

  /** The group that takes the next chunk, null when a new one must start. */
  synchronized OpenGroup current() {
    return current;
  }

  synchronized void start(OpenGroup g) {
    current = g;
    unflushed.add(g);
  }

  /** Takes {@code g} out of the session's hands: no chunk is added to it any more. */
  synchronized void detach(OpenGroup g) {
    if (current == g) {
      current = null;
    }
  }

  /** Detaches the current group and returns every group not yet flushed. */
  synchronized List<OpenGroup> detachAll() {
    current = null;
    return new ArrayList<>(unflushed);
  }

  /** {@code g} is in a pack, or failed with {@code e} (null: it did not fail). */
  synchronized void flushed(OpenGroup g, Throwable e) {
    unflushed.remove(g);
    if (e != null && failure == null) {
      failure = e;
    }
  }

  /** The first failure of one of the session's groups, or null. */
  synchronized Throwable failure() {
    return failure;
  }
}

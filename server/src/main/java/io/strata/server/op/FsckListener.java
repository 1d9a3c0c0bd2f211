package io.strata.server.op;

import io.strata.store.engine.FsckReport;

/**
 * Hears how each {@code fsck} ended. The request answers OK whether or not the store is damaged, so
 * whoever watches the store (the metrics) learns the damage here, not from the request's status.
 */
public interface FsckListener {
  /** Hears nothing. */
  FsckListener NONE =
      new FsckListener() {
        @Override
        public void completed(FsckReport report) {}

        @Override
        public void failed() {}
      };

  /** The check ran to its end and found what {@code report} says (perhaps nothing). */
  void completed(FsckReport report);

  /** The check stopped before its end (an I/O error, a stop): it says nothing of the store. */
  void failed();
}

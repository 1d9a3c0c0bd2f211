package io.strata.containerd;

import io.strata.store.error.StrataException;

/** Snapshots cannot be mounted by this server; answered as gRPC FAILED_PRECONDITION. */
public final class MountsUnavailableException extends StrataException {
  public MountsUnavailableException(String message) {
    super(message);
  }
}

package io.strata.server.op;

import io.strata.protocol.Status;
import io.strata.store.error.StrataException;

/**
 * The other host of a push or pull refused or failed a request: answered to our client with the
 * other host's status (a missing image stays NOT_FOUND, a wrong token UNAUTHENTICATED) and a
 * message that names that host.
 */
final class RemoteFailure extends StrataException {
  private static final long serialVersionUID = 1L;
  private final transient Status status;

  RemoteFailure(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  Status status() {
    return status;
  }
}

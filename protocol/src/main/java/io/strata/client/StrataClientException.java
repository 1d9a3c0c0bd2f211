package io.strata.client;

import io.strata.protocol.Status;
import java.io.IOException;

/**
 * A request failed: the server answered with an error status, or the server could not be reached or
 * authenticated to ({@link Status#UNAVAILABLE}, {@link Status#UNAUTHENTICATED}).
 */
public final class StrataClientException extends IOException {
  private final Status status;

  public StrataClientException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public StrataClientException(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** Why it failed. */
  public Status status() {
    return status;
  }
}

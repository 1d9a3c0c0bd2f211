package io.strata.protocol.registry;

import java.io.IOException;

/**
 * A registry request that failed: the registry could not be reached ({@link #status} 0) or answered
 * a status the request did not expect. Callers turn it into an outcome the user can act on: a
 * registry unreachable or refusing the credentials is reported as a server that cannot be reached
 * or refuses them (exit 3), as for another stratad; a missing manifest as not found.
 */
public final class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status the registry answered; 0 when it could not be reached. */
  private final int status;

  public RegistryException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** Whether the registry could not be reached. */
  public boolean unreachable() {
    return status == 0;
  }

  /** Whether the registry refused the credentials (or their absence). */
  public boolean refused() {
    return status == 401 || status == 403;
  }
}

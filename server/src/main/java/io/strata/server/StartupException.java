package io.strata.server;

/** stratad cannot start: a refused option, a locked data root, an address in use. */
public final class StartupException extends Exception {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}

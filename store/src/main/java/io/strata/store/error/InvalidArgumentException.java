package io.strata.store.error;

/** A request carries a value the engine cannot accept (a malformed digest, path or option). */
public class InvalidArgumentException extends StrataException {
  public InvalidArgumentException(String message) {
    super(message);
  }

  public InvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }
}

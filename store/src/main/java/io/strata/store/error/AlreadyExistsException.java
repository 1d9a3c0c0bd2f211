package io.strata.store.error;

/** An object with that name exists already. */
public final class AlreadyExistsException extends StrataException {
  public AlreadyExistsException(String message) {
    super(message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}

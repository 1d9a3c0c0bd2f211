package io.strata.store.error;

/** The named object (blob, chunk, image, container, volume, path) does not exist. */
public final class NotFoundException extends StrataException {
  public NotFoundException(String message) {
    super(message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}

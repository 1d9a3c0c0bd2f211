package io.strata.store.error;

/** The disk under the data root has no room left; nothing of the request was kept. */
public final class StorageFullException extends StrataException {
  public StorageFullException(String message) {
    super(message);
  }

  public StorageFullException(String message, Throwable cause) {
    super(message, cause);
  }
}

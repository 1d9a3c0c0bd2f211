package io.strata.store.error;

/**
 * The request contradicts the store's state (an object in use, a store locked by another process).
 * Not final: a refusal a caller may get past carries what it needs ({@code LinkLeavesMount}).
 */
public class ConflictException extends StrataException {
  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}

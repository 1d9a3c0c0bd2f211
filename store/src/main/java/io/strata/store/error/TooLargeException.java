package io.strata.store.error;

/**
 * A value over a limit of the store (an extended attribute too large for the tree to hold): a mount
 * answers it E2BIG, as the kernel's file systems answer a value over theirs.
 */
public final class TooLargeException extends InvalidArgumentException {
  public TooLargeException(String message) {
    super(message);
  }
}

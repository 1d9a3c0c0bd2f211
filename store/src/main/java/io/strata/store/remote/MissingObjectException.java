package io.strata.store.remote;

import java.io.IOException;

/** The object a read names is not in the bucket (deleted by the fleet's gc, or never uploaded). */
public final class MissingObjectException extends IOException {
  private static final long serialVersionUID = 1L;

  public MissingObjectException(String message, Throwable cause) {
    super(message, cause);
  }
}

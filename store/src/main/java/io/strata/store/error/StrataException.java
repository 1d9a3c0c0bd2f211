package io.strata.store.error;

/**
 * The root of every error the engine reports to a user. Each subtype maps to one protocol status
 * and one CLI exit code; the message is one sentence naming the object and the bad value.
 */
public class StrataException extends RuntimeException {
  public StrataException(String message) {
    super(message);
  }

  public StrataException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.strata.server.op;

/** The request names something this server build cannot serve (a driver it was built without). */
public final class UnservedException extends RuntimeException {
  public UnservedException(String message) {
    super(message);
  }
}

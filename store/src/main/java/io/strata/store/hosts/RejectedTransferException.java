package io.strata.store.hosts;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.StrataException;
import java.io.IOException;

/**
 * What the other host sent is refused: a plan or chunk list that does not decode, a plan for
 * another image than the one asked for, records that fail their digest, more bytes than the request
 * could need. Unlike a malformed argument (the user's typo) this is a failed operation, answered
 * REJECTED.
 */
public final class RejectedTransferException extends StrataException {
  private static final long serialVersionUID = 1L;

  RejectedTransferException(String message) {
    super(message);
  }

  private RejectedTransferException(InvalidArgumentException cause) {
    super(cause.getMessage(), cause);
  }

  /** A store call over what the other host sent. */
  @FunctionalInterface
  interface ContentCall<T> {
    T run() throws IOException;
  }

  /** Runs {@code call}, turning the store's invalid-argument failures into rejections. */
  static <T> T ofContent(ContentCall<T> call) throws IOException {
    try {
      return call.run();
    } catch (InvalidArgumentException e) {
      throw new RejectedTransferException(e);
    }
  }
}

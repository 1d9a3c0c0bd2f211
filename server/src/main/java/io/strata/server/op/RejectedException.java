package io.strata.server.op;

import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;

/**
 * The content a request carried (an archive, a build context, a Dockerfile) is refused: the engine
 * found it hostile, corrupt or unsupported. Unlike a malformed argument, which is the user's typo
 * (INVALID_ARGUMENT, exit 2), this is a failed operation (REJECTED, exit 1).
 */
final class RejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private RejectedException(InvalidArgumentException cause) {
    super(cause.getMessage(), cause);
  }

  /** A rejection of content found wrong outside the engine (what another host sent). */
  static RejectedException of(String message) {
    return new RejectedException(new InvalidArgumentException(message));
  }

  /** An engine call over request content. */
  @FunctionalInterface
  interface ContentCall<T> {
    T run() throws IOException;
  }

  /** Runs {@code call}, turning the engine's invalid-argument failures into rejections. */
  static <T> T ofContent(ContentCall<T> call) throws IOException {
    try {
      return call.run();
    } catch (InvalidArgumentException e) {
      throw new RejectedException(e);
    }
  }
}

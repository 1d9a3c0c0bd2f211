package io.strata.store.error;

import java.io.IOException;

/**
 * Content a request carried or another host sent is refused: an archive, a build context or a
 * Dockerfile the engine found hostile, corrupt or unsupported; a plan or chunk list that does not
 * decode, a plan for another image than the one asked for, records that fail their digest, more
 * bytes than a request could need. Unlike a malformed argument, which is the user's typo
 * (INVALID_ARGUMENT, exit 2), this is a failed operation (REJECTED, exit 1).
 */
public final class RejectedException extends StrataException {
  private static final long serialVersionUID = 1L;

  public RejectedException(String message) {
    super(message);
  }

  private RejectedException(InvalidArgumentException cause) {
    super(cause.getMessage(), cause);
  }

  /** A call of the engine over content. */
  @FunctionalInterface
  public interface ContentCall<T> {
    T run() throws IOException;
  }

  /** Runs {@code call}, turning the engine's invalid-argument failures into rejections. */
  public static <T> T ofContent(ContentCall<T> call) throws IOException {
    try {
      return call.run();
    } catch (InvalidArgumentException e) {
      throw new RejectedException(e);
    }
  }
}

package io.strata.server.codec;

/**
 * A frame longer than {@link FrameDecoder#OWN_FRAME} arrived while other connections' frames being
 * received held the whole {@link FrameBudget}: the connection is closed with {@code UNAVAILABLE}.
 * The peer did nothing wrong, the server is short of room for such frames right now.
 */
public final class FrameBudgetException extends RuntimeException {
  public FrameBudgetException(String message) {
    super(message, null, false, false);
  }
}

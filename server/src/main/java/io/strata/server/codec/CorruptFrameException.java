package io.strata.server.codec;

import io.netty.handler.codec.DecoderException;

/** The peer sent bytes that are not a valid frame; the connection cannot continue. */
public final class CorruptFrameException extends DecoderException {
  public CorruptFrameException(String message) {
    super(message);
  }
}

package io.strata.protocol;

import java.io.IOException;

/** A frame or message breaks the protocol: a bad length, magic, type or field. */
public final class ProtocolException extends IOException {
  public ProtocolException(String message) {
    super(message);
  }
}

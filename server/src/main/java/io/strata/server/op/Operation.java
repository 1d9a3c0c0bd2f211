package io.strata.server.op;

/** The server side of one opcode. */
@FunctionalInterface
public interface Operation {
  /**
   * Starts the request with JSON arguments {@code args} on an engine thread. Throws a {@code
   * StrataException} subtype for what the user did wrong, or an {@code IOException}.
   */
  Outcome start(byte[] args) throws Exception;
}

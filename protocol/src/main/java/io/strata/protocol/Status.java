package io.strata.protocol;

/**
 * The outcome of a request, the first field of a RESPONSE. Each engine error type maps to exactly
 * one status, and each status to one exit code of the CLI.
 */
public enum Status {
  /** The request succeeded. */
  OK(0),
  /** An argument is malformed or out of range (a digest, an offset, a size). */
  INVALID_ARGUMENT(1),
  /** The named object does not exist. */
  NOT_FOUND(2),
  /** An object of that name exists already. */
  ALREADY_EXISTS(3),
  /** The request contradicts the store's state (an object in use, a locked root). */
  CONFLICT(4),
  /** Stored bytes fail their checksum or digest. */
  CORRUPT_DATA(5),
  /** The server's disk is full; nothing of the request was kept. */
  STORAGE_FULL(6),
  /** The token is missing or wrong, or the client may not connect without one. */
  UNAUTHENTICATED(7),
  /** Client and server share no protocol version. */
  UNSUPPORTED_VERSION(8),
  /** The peer broke the framing or the frame order; the connection is closed after it. */
  PROTOCOL_ERROR(9),
  /** The server does not serve this opcode. */
  UNIMPLEMENTED(10),
  /** A per-connection limit was hit (requests in flight, argument size). */
  LIMIT_EXCEEDED(11),
  /** The server is shutting down or cannot take the request now. */
  UNAVAILABLE(12),
  /** The client cancelled the stream. */
  CANCELLED(13),
  /** An unexpected server failure; the server's log has the details. */
  INTERNAL(14),
  /**
   * The request is well formed but its content is refused: a hostile, corrupt or unsupported
   * archive, a Dockerfile instruction Strata does not run.
   */
  REJECTED(15);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The u16 on the wire. */
  public int code() {
    return code;
  }

  /** The status of wire code {@code code}; codes this build does not know read as INTERNAL. */
  public static Status of(int code) {
    for (Status s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return INTERNAL;
  }
}

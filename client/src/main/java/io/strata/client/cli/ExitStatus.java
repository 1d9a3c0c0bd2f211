package io.strata.client.cli;

import io.strata.protocol.Status;

/** The exit codes of SPEC §1, and which protocol status gives which. */
public final class ExitStatus {
  private ExitStatus() {}

  /** Success. */
  public static final int OK = 0;

  /** The operation failed. */
  public static final int FAILED = 1;

  /** Bad usage: an unknown command or option, a malformed argument. */
  public static final int USAGE = 2;

  /** The server cannot be reached or refuses the credentials. */
  public static final int UNREACHABLE = 3;

  /** The named object does not exist. */
  public static final int NOT_FOUND = 4;

  /** The exit code of a request that ended with {@code status}. */
  public static int of(Status status) {
    return switch (status) {
      case OK -> OK;
      case INVALID_ARGUMENT -> USAGE;
      case NOT_FOUND -> NOT_FOUND;
      case UNAUTHENTICATED, UNAVAILABLE, UNSUPPORTED_VERSION -> UNREACHABLE;
      case ALREADY_EXISTS,
          CONFLICT,
          CORRUPT_DATA,
          STORAGE_FULL,
          PROTOCOL_ERROR,
          UNIMPLEMENTED,
          LIMIT_EXCEEDED,
          CANCELLED,
          INTERNAL,
          REJECTED ->
          FAILED;
    };
  }
}

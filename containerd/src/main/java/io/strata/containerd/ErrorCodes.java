package io.strata.containerd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;

/**
 * Engine errors as gRPC statuses, the codes containerd's errdefs turns back into its own errors
 * ({@code errdefs.FromGRPC}): not found, already exists, invalid argument, failed precondition (a
 * state that forbids the call, as containerd's snapshotters answer removing a parent or committing
 * a view), resource exhausted for a full disk, data loss for damaged data, internal otherwise.
 */
final class ErrorCodes {
  private static final System.Logger LOG = System.getLogger(ErrorCodes.class.getName());

  private ErrorCodes() {}

  static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    Status code;
    if (e instanceof NotFoundException) {
      code = Status.NOT_FOUND;
    } else if (e instanceof AlreadyExistsException) {
      code = Status.ALREADY_EXISTS;
    } else if (e instanceof InvalidArgumentException) {
      code = Status.INVALID_ARGUMENT;
    } else if (e instanceof ConflictException || e instanceof MountsUnavailableException) {
      code = Status.FAILED_PRECONDITION;
    } else if (e instanceof StorageFullException) {
      code = Status.RESOURCE_EXHAUSTED;
    } else if (e instanceof CorruptDataException) {
      code = Status.DATA_LOSS;
    } else {
      LOG.log(System.Logger.Level.WARNING, "containerd call failed unexpectedly", e);
      code = Status.INTERNAL;
    }
    return code.withDescription(containerdKeys(e.getMessage())).withCause(e).asRuntimeException();
  }

  /**
   * {@code message} with driver keys ({@code ctrd/NS/KEY}) given back as the keys containerd sent
   * ({@code KEY}), so that an error names what containerd asked for, as its own snapshotters do.
   */
  static String containerdKeys(String message) {
    return message == null
        ? null
        : message.replaceAll(java.util.regex.Pattern.quote(SnapshotKeys.PREFIX) + "[^/\\s']+/", "");
  }

  static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException notFound(String message) {
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }
}

package io.strata.server.op;

import io.strata.protocol.Status;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.RejectedException;
import io.strata.store.error.StorageFullException;
import io.strata.store.remote.MissingObjectException;

/** The one protocol status of each engine error type. */
public final class ErrorStatus {
  private ErrorStatus() {}

  /** The status a request failing with {@code t} answers with. */
  public static Status of(Throwable t) {
    if (t instanceof NotFoundException) {
      return Status.NOT_FOUND;
    }
    if (t instanceof InvalidArgumentException) {
      return Status.INVALID_ARGUMENT;
    }
    if (t instanceof AlreadyExistsException) {
      return Status.ALREADY_EXISTS;
    }
    if (t instanceof ConflictException) {
      return Status.CONFLICT;
    }
    if (t instanceof CorruptDataException || missingFromBucket(t)) {
      return Status.CORRUPT_DATA;
    }
    if (t instanceof StorageFullException) {
      return Status.STORAGE_FULL;
    }
    if (t instanceof RejectedException) {
      return Status.REJECTED;
    }
    if (t instanceof RemoteFailure r) {
      return r.status();
    }
    if (t instanceof UnservedException) {
      return Status.UNIMPLEMENTED;
    }
    // Every write path meets a full disk somewhere of its own (a spool file, a driver record, a
    // pack): the client must hear the same status from each, not INTERNAL from most.
    if (DiskFull.causedBy(t)) {
      return Status.STORAGE_FULL;
    }
    // The process out of descriptors (idle connections by the hundred, say): the server cannot
    // take the request now, and the same request succeeds once descriptors are free again.
    if (OutOfDescriptors.causedBy(t)) {
      return Status.UNAVAILABLE;
    }
    return Status.INTERNAL;
  }

  /** Whether {@code t} comes of a pack a shared store's bucket does not hold (lost to it). */
  private static boolean missingFromBucket(Throwable t) {
    for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof MissingObjectException) {
        return true;
      }
    }
    return false;
  }
}

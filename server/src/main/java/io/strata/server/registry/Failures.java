package io.strata.server.registry;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;

/** Store errors as registry errors, for the cases an endpoint does not map itself. */
final class Failures {
  private Failures() {}

  static RegistryError map(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof NotFoundException) {
      return new RegistryError(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", m);
    }
    if (e instanceof InvalidArgumentException) {
      return new RegistryError(HttpResponseStatus.BAD_REQUEST, "UNSUPPORTED", m);
    }
    if (e instanceof ConflictException) {
      return new RegistryError(HttpResponseStatus.CONFLICT, "DENIED", m);
    }
    if (e instanceof StorageFullException) {
      return new RegistryError(HttpResponseStatus.INSUFFICIENT_STORAGE, "UNAVAILABLE", m);
    }
    return new RegistryError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "UNKNOWN", m);
  }
}

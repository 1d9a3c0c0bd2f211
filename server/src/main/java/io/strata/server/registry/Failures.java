package io.strata.server.registry;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.disk.ReadOnlyDisk;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Store errors as registry errors, for the cases an endpoint does not map itself. Every server-side
 * failure (5xx) is logged, one line, as the protocol side logs each failed request: the client's
 * error body is all it sees, and the operator needs the reason too.
 */
final class Failures {
  private static final System.Logger LOG = System.getLogger(Failures.class.getName());

  private final Path dataRoot;
  // told of each full disk met (the blob cache gives its space back); the reason as argument
  private final Consumer<String> onDiskFull;

  /** Failures of the registry of data root {@code dataRoot}, which a full disk is named by. */
  Failures(Path dataRoot) {
    this(dataRoot, why -> {});
  }

  /** As the above; {@code onDiskFull} is told, with the reason, of each full disk mapped. */
  Failures(Path dataRoot, Consumer<String> onDiskFull) {
    this.dataRoot = dataRoot;
    this.onDiskFull = onDiskFull;
  }

  /** The answer to {@code request} (null: not read yet) that failed with {@code e}. */
  RegistryError map(Exception e, HttpRequest request) {
    RegistryError r = of(e);
    if (r.status().code() >= 500) {
      String what =
          request == null
              ? "registry request"
              : "registry " + request.method() + " " + request.uri();
      if (e instanceof StrataException
          || e instanceof IOException
          || e instanceof UncheckedIOException) {
        LOG.log(
            System.Logger.Level.WARNING, "{0}: {1} {2}", what, r.status().code(), r.getMessage());
      } else {
        // no failure the store reports: a bug, with its stack
        LOG.log(System.Logger.Level.WARNING, what + ": " + r.status().code(), e);
      }
    }
    return r;
  }

  private RegistryError of(Exception e) {
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
    // Every write meets a full disk somewhere of its own (an upload's spool, a staged layer, a
    // pack): the client hears the same from each. The spec has no code for it; distribution
    // answers 500 UNKNOWN with the OS's text; 507 Insufficient Storage (RFC 4918) says what it is.
    if (diskFull(e)) {
      return new RegistryError(HttpResponseStatus.INSUFFICIENT_STORAGE, "UNAVAILABLE", reason(e));
    }
    // Out of descriptors passes like a full disk does, but on its own: a client may retry at once.
    if (OutOfDescriptors.causedBy(e)) {
      return new RegistryError(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "UNAVAILABLE",
          OutOfDescriptors.TOO_MANY_OPEN_FILES
              + " on the server (its open-file limit is reached); retry ("
              + (e instanceof UncheckedIOException u ? u.getCause().getMessage() : m)
              + ")");
    }
    return new RegistryError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "UNKNOWN", reason(e));
  }

  /**
   * What {@code e} says; a full disk in one sentence naming the data root, whichever file met it
   * (the OS's ENOSPC names none), also told to the full-disk listener: every request's and job's
   * failure passes here.
   */
  String reason(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (!diskFull(e)) {
      if (ReadOnlyDisk.causedBy(e) && ReadOnlyDisk.isReadOnly(dataRoot)) {
        return ReadOnlyDisk.sentence(dataRoot, m);
      }
      return m;
    }
    String full = "data root " + dataRoot + ": the disk is full";
    String r = m.startsWith(full) ? m : full + " (" + m + ")";
    onDiskFull.accept(r);
    return r;
  }

  /**
   * Whether {@code e} says the disk (or a quota) is full: the store's {@link StorageFullException},
   * or the OS's ENOSPC from a file of the registry's own, anywhere in its causes.
   */
  static boolean diskFull(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof StorageFullException) {
        return true;
      }
    }
    return DiskFull.causedBy(e);
  }
}

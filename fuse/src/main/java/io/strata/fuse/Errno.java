package io.strata.fuse;

import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.TooLargeException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;

/**
 * The error numbers the kernel receives (Linux's, the same on x86_64 and arm64), and how a store
 * exception becomes one. Operations check what the view's exception types cannot tell apart (a
 * directory that is not empty, a name that is a directory) before calling the view; what is left
 * maps by type here.
 */
final class Errno {
  static final int ENOENT = 2;
  static final int EEXIST = 17;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int ENOTEMPTY = 39;
  static final int EPERM = 1;
  static final int EACCES = 13;
  static final int EROFS = 30;
  static final int ENOSPC = 28;
  static final int EIO = 5;
  static final int ENXIO = 6;
  static final int EINVAL = 22;
  static final int ENOSYS = 38;
  static final int ENODATA = 61;
  static final int ERANGE = 34;
  static final int EXDEV = 18;
  static final int ENAMETOOLONG = 36;
  static final int E2BIG = 7;
  static final int ENOTSUP = 95; // EOPNOTSUPP
  static final int ESTALE = 116;
  static final int ENOTCONN = 107; // what a killed server's mount answers
  static final int EPROTO = 71;
  static final int EILSEQ = 84; // a name that is not valid UTF-8
  static final int EMFILE = 24;
  static final int ENOMEM = 12;

  private Errno() {}

  /** The error number for {@code e}; {@code conflict} is what a ConflictException means here. */
  static int of(Throwable e, int conflict) {
    if (e instanceof Refusal r) {
      return r.errno();
    }
    if (e instanceof NotFoundException || e instanceof NoSuchFileException) {
      return ENOENT;
    }
    if (e instanceof AlreadyExistsException || e instanceof FileAlreadyExistsException) {
      return EEXIST;
    }
    if (e instanceof StorageFullException) {
      return ENOSPC;
    }
    if (e instanceof CorruptDataException) {
      return EIO;
    }
    if (e instanceof ConflictException) {
      return conflict;
    }
    if (e instanceof TooLargeException) {
      return E2BIG;
    }
    if (e instanceof InvalidArgumentException) {
      return EINVAL;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return ENOTEMPTY;
    }
    if (e instanceof NotDirectoryException) {
      return ENOTDIR;
    }
    if (e instanceof AccessDeniedException) {
      return EACCES;
    }
    if (e instanceof ReadOnlyFileSystemException) {
      return EROFS;
    }
    if (e instanceof IOException && e.getMessage() != null && e.getMessage().contains("No space")) {
      return ENOSPC;
    }
    if (e instanceof OutOfMemoryError) {
      return ENOMEM; // the server's heap: passes as memory is freed
    }
    if (OutOfDescriptors.causedBy(e)) {
      return EMFILE; // the server's open-file limit: passes as descriptors are freed, unlike EIO
    }
    return EIO;
  }

  /** Whether {@code errno} is a failure of the store rather than an answer about the request. */
  static boolean isFailure(int errno) {
    return errno == EIO || errno == ENOSPC;
  }
}

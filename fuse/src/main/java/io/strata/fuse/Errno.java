package io.strata.fuse;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The error numbers the kernel receives, and how a store exception becomes one. Operations check
 * what the view's exception types cannot tell apart (a directory that is not empty, a name that is
 * a directory) before calling the view; what is left maps by type here.
 */
final class Errno {
  static final int ENOENT = ErrorCodes.ENOENT();
  static final int EEXIST = ErrorCodes.EEXIST();
  static final int ENOTDIR = ErrorCodes.ENOTDIR();
  static final int EISDIR = ErrorCodes.EISDIR();
  static final int ENOTEMPTY = ErrorCodes.ENOTEMPTY();
  static final int EPERM = ErrorCodes.EPERM();
  static final int EACCES = ErrorCodes.EACCES();
  static final int EROFS = ErrorCodes.EROFS();
  static final int ENOSPC = ErrorCodes.ENOSPC();
  static final int EIO = ErrorCodes.EIO();
  static final int EINVAL = ErrorCodes.EINVAL();
  static final int ENOSYS = ErrorCodes.ENOSYS();
  static final int ENODATA = ErrorCodes.ENODATA();
  static final int ERANGE = ErrorCodes.ERANGE();
  static final int EXDEV = ErrorCodes.EXDEV();
  static final int ENAMETOOLONG = ErrorCodes.ENAMETOOLONG();
  static final int E2BIG = ErrorCodes.E2BIG();
  static final int ENOTSUP = ErrorCodes.EOPNOTSUPP();
  static final int ESTALE = 116;
  static final int EPROTO = 71;

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
    return EIO;
  }

  /** Whether {@code errno} is a failure of the store rather than an answer about the request. */
  static boolean isFailure(int errno) {
    return errno == EIO || errno == ENOSPC;
  }
}

package io.strata.store.faultfs;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** The errors a {@link FaultFileSystem} injects, with the messages the JDK gives them on Linux. */
public enum IoError {
  /** ENOSPC. */
  ENOSPC("No space left on device"),
  /** EIO, also what every call meets once the power is cut. */
  EIO("Input/output error"),
  /** EMFILE: the process is out of file descriptors; it passes once some are closed. */
  EMFILE("Too many open files");

  private final String message;

  IoError(String message) {
    this.message = message;
  }

  /** The strerror text the JDK puts in the exception's message. */
  public String message() {
    return message;
  }

  /**
   * The exception the JDK throws for this error: a plain {@link IOException} from a channel call, a
   * {@link FileSystemException} naming the file from a path call (open, move, delete, mkdir).
   */
  IOException exception(String file, boolean pathCall) {
    return pathCall ? new FileSystemException(file, null, message) : new IOException(message);
  }
}

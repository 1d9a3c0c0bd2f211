package io.strata.store.image.layer;

import java.io.IOException;

/**
 * The file a tar is read from could not be read (EIO, a directory, a file gone): the source's
 * failure, not the tar's, so a reader reports it as what it is, never as a corrupt tar. Its message
 * names the file.
 */
public final class SourceReadException extends IOException {
  public SourceReadException(String message, IOException cause) {
    super(message, cause);
  }
}

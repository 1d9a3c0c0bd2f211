package io.strata.client.cli;

import io.strata.client.StrataClientException;
import io.strata.protocol.Status;

/**
 * docker's words for a file a container lacks: "Could not find the file PATH in container C". The
 * server's "path P not found" does not name the container, which matters when a script reads
 * several.
 */
final class MissingFile {
  private MissingFile() {}

  /** A download from one container's file system: the bytes it wrote. */
  interface Request {
    long run() throws java.io.IOException;
  }

  /**
   * Runs {@code request}; a missing path comes back naming {@code path} (as the user wrote it) and
   * {@code container}, any other failure as it was.
   */
  static long naming(String container, String path, Request request) throws java.io.IOException {
    try {
      return request.run();
    } catch (StrataClientException e) {
      // only the bare "path P not found": a server that says more (a link that leads nowhere:
      // "path /l leads to /nope, which does not exist") is kept in its words
      String m = e.getMessage();
      if (e.status() == Status.NOT_FOUND
          && m != null
          && m.startsWith("path ")
          && m.endsWith(" not found")) {
        throw new StrataClientException(
            Status.NOT_FOUND, "Could not find the file " + path + " in container " + container, e);
      }
      throw e;
    }
  }
}

package io.strata.client;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the payload of an upload (a file's bytes, a tar made on the fly). The stream it writes to
 * sends DATA frames as it fills; a failure of the body's own source cancels the request.
 */
@FunctionalInterface
public interface UploadBody {
  /** Writes the whole payload to {@code out}; does not close it. */
  void writeTo(OutputStream out) throws IOException;
}

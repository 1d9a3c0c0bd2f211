package io.strata.server.op;

import java.io.IOException;

/**
 * Where an upload's bytes go. Called from one engine thread at a time, in the order the frames
 * arrived; exactly one of {@link #finish} and {@link #abort} ends it.
 */
public interface UploadSink {
  /** Takes {@code len} more bytes. */
  void write(byte[] b, int off, int len) throws IOException;

  /**
   * The upload ended: store it and say how the request goes on, a {@link Outcome.Reply} or (for an
   * exchange) a {@link Outcome.Download}.
   */
  Outcome finish() throws IOException;

  /** The upload failed or was cancelled: keep nothing. */
  void abort();
}

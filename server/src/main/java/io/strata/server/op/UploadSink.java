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

  /**
   * The client cancelled, maybe while {@link #finish} works on the whole upload (an archive's
   * import after its spool is complete): ask that work to stop at its next step. Called on another
   * thread than the work's, before {@link #abort}; the work ends as after a failed read, keeping
   * nothing.
   */
  default void cancelRequested() {}

  /**
   * The threads this upload's bytes and end must be handed over on, or null for the engine's. An
   * upload whose {@link #write} and {@link #finish} wait on another thread's work (which may wait
   * on a lock another request holds, itself waiting for its upload's bytes) gives threads of its
   * own: on the bounded engine pool, enough such waits would leave no thread to deliver the bytes
   * the lock holder waits for, and every request would wait for good.
   */
  default java.util.concurrent.Executor deliveries() {
    return null;
  }
}

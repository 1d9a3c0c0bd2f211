package io.strata.server.op;

import java.io.InputStream;
import java.util.function.Supplier;

/** How a started request continues. */
public sealed interface Outcome {
  /** Done: answer {@code body} with status OK. */
  record Reply(Object body) implements Outcome {}

  /** Takes the client's DATA frames into {@code sink}; the END frame finishes it. */
  record Upload(UploadSink sink) implements Outcome {}

  /**
   * Streams {@code data} to the client in DATA frames, then answers with the body {@code end} gives
   * once {@code data} is exhausted.
   */
  record Download(InputStream data, Supplier<Object> end) implements Outcome {}
}

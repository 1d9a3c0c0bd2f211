package io.strata.server.op;

import java.io.InputStream;
import java.util.function.Supplier;

/** How a started request continues. */
public sealed interface Outcome {
  /** Done: answer {@code body} with status OK. */
  record Reply(Object body) implements Outcome {}

  /**
   * Takes the client's DATA frames into {@code sink}; the END frame finishes it, and the request
   * goes on as the sink's {@link UploadSink#finish} says.
   */
  record Upload(UploadSink sink) implements Outcome {}

  /**
   * Streams {@code data} to the client in DATA frames, then answers with the body {@code end} gives
   * once {@code data} is exhausted. A {@code live} stream is output produced as work proceeds (a
   * build log): what each read returns is sent at once instead of waiting for a full frame.
   */
  record Download(InputStream data, Supplier<Object> end, boolean live) implements Outcome {
    /** A download that fills whole frames. */
    public Download(InputStream data, Supplier<Object> end) {
      this(data, end, false);
    }
  }
}

package io.strata.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Cuts a listing streamed as JSON lines back into lines, whatever the DATA frame boundaries; holds
 * at most one unfinished line.
 */
final class JsonLines {
  /** Receives each complete line, without its newline. */
  @FunctionalInterface
  interface LineSink {
    void line(byte[] json) throws IOException;
  }

  private final LineSink sink;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

  JsonLines(LineSink sink) {
    this.sink = sink;
  }

  /** Takes {@code len} bytes of {@code b} from {@code off}: any piece of the listing. */
  void accept(byte[] b, int off, int len) throws IOException {
    int lineStart = off;
    for (int i = off; i < off + len; i++) {
      if (b[i] == '\n') {
        partial.write(b, lineStart, i - lineStart);
        emit();
        lineStart = i + 1;
      }
    }
    partial.write(b, lineStart, off + len - lineStart);
  }

  /** Emits a last line that lacked its newline. */
  void finish() throws IOException {
    if (partial.size() > 0) {
      emit();
    }
  }

  private void emit() throws IOException {
    byte[] line = partial.toByteArray();
    partial.reset();
    if (line.length > 0) {
      sink.line(line);
    }
  }
}

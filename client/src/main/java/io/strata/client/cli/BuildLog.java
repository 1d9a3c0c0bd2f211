package io.strata.client.cli;

import io.strata.client.TransferListener;
import io.strata.protocol.message.PullProgressLine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

/**
 * The build log as the server sends it, printed line by line, but for the progress lines of the
 * pulls the server makes for the build ({@link PullProgressLine}): those move a progress bar, as
 * {@code strata pull} draws one (on a terminal; nothing otherwise, or what {@code --progress}
 * asks), and the bar is finished before the next line of the log is printed. Bytes are held until
 * their line ends, so a line split across frames (or a character across them) prints whole.
 */
final class BuildLog extends OutputStream {
  private final PrintStream out;
  private final BiFunction<String, Long, TransferListener> bars;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private TransferListener bar;
  private String barRef;
  private long shown;

  /** Prints on {@code out}; {@code bars} makes the bar of a pull (its ref, its total bytes). */
  BuildLog(PrintStream out, BiFunction<String, Long, TransferListener> bars) {
    this.out = out;
    this.bars = bars;
  }

  @Override
  public void write(int b) {
    if (b == '\n') {
      endLine();
    } else {
      line.write(b);
    }
  }

  @Override
  public void write(byte[] b, int off, int len) {
    int start = off;
    for (int i = off; i < off + len; i++) {
      if (b[i] == '\n') {
        line.write(b, start, i - start);
        endLine();
        start = i + 1;
      }
    }
    line.write(b, start, off + len - start);
  }

  @Override
  public void flush() {
    out.flush();
  }

  /** Prints what is left of an unended line and finishes a bar still drawn. */
  @Override
  public void close() {
    if (line.size() > 0) {
      endLine();
    }
    finishBar();
    out.flush();
  }

  private void endLine() {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    PullProgressLine p = PullProgressLine.parse(text);
    if (p == null) {
      finishBar();
      out.println(text);
      return;
    }
    if (bar == null || !p.ref().equals(barRef)) {
      finishBar();
      bar = bars.apply(p.ref(), p.total());
      barRef = p.ref();
      shown = 0;
    }
    bar.transferred(p.done() - shown);
    shown = p.done();
  }

  private void finishBar() {
    if (bar != null) {
      ProgressBar.finish(bar);
      bar = null;
      barRef = null;
    }
  }
}

package io.strata.client.cli;

import io.strata.client.TransferListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on stderr for long transfers. It stays silent for the first second,
 * so short transfers print nothing, and redraws at most five times a second.
 */
final class ProgressBar implements TransferListener {
  private static final long QUIET_NANOS = 1_000_000_000L;
  private static final long REDRAW_NANOS = 200_000_000L;

  private final PrintStream err;
  private final String label;
  private final long total;
  private final LongSupplier clock;
  private final long started;
  private long done;
  private long drawn;
  private boolean visible;

  /** {@code total} is negative when unknown. */
  ProgressBar(PrintStream err, String label, long total, LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.clock = clock;
    this.started = clock.getAsLong();
  }

  /** A bar when a person watches stderr, else a listener that does nothing. */
  static TransferListener forTerminal(Terminal t, String label, long total) {
    return t.interactive() ? new ProgressBar(t.err(), label, total, System::nanoTime) : NONE;
  }

  @Override
  public void transferred(long bytes) {
    done += bytes;
    long now = clock.getAsLong();
    if (now - started < QUIET_NANOS || now - drawn < REDRAW_NANOS) {
      return;
    }
    drawn = now;
    visible = true;
    double seconds = (now - started) / 1e9;
    String rate = ByteSize.human((long) (done / seconds)) + "/s";
    String line =
        total > 0
            ? String.format(
                Locale.ROOT,
                "%s %s / %s %3d%% %s",
                label,
                ByteSize.human(done),
                ByteSize.human(total),
                done * 100 / total,
                rate)
            : String.format(Locale.ROOT, "%s %s %s", label, ByteSize.human(done), rate);
    err.print("\r" + line + "\033[K");
    err.flush();
  }

  /** Clears the line if anything was drawn. */
  void finish() {
    if (visible) {
      err.print("\r\033[K");
      err.flush();
    }
  }

  /** Clears the line of {@code listener} if it is a bar. */
  static void finish(TransferListener listener) {
    if (listener instanceof ProgressBar bar) {
      bar.finish();
    }
  }
}

package io.strata.client.cli;

import io.strata.client.TransferListener;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Progress of a long transfer on stderr, in one of three styles ({@code --progress}):
 *
 * <ul>
 *   <li>{@link Style#BAR}, for a person at a terminal: one line redrawn in place, with a bar when
 *       the total is known, bytes, rate and ETA; silent for the first second, so short transfers
 *       print nothing; cleared when done and when the run is interrupted (Ctrl-C);
 *   <li>{@link Style#PLAIN}: a line a second and a last one, for logs;
 *   <li>{@link Style#JSON}: the same as JSON lines ({@code messageType} {@code status}, then {@code
 *       summary}), as restic's {@code --json} progress.
 * </ul>
 *
 * By default ({@code auto}) a bar is drawn when stderr is a terminal and nothing otherwise, as SPEC
 * wants of scripts.
 */
final class ProgressBar implements TransferListener {
  /** How progress is shown. */
  enum Style {
    BAR,
    PLAIN,
    JSON
  }

  private static final long QUIET_NANOS = 1_000_000_000L;
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final long LINE_NANOS = 1_000_000_000L;
  private static final int BAR_WIDTH = 20;

  /** Bars drawn now: the shutdown hook clears their line when Ctrl-C ends the run. */
  private static final Set<ProgressBar> VISIBLE = ConcurrentHashMap.newKeySet();

  private static final AtomicBoolean HOOKED = new AtomicBoolean();

  private final PrintStream err;
  private final String label;
  private final long total;
  private final LongSupplier clock;
  private final Style style;
  private final long started;
  private long done;
  private long drawn;
  private boolean visible;

  /** A bar; {@code total} is negative when unknown. */
  ProgressBar(PrintStream err, String label, long total, LongSupplier clock) {
    this(err, label, total, clock, Style.BAR);
  }

  ProgressBar(PrintStream err, String label, long total, LongSupplier clock, Style style) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.clock = clock;
    this.style = style;
    this.started = clock.getAsLong();
  }

  /** A bar when a person watches stderr, else a listener that does nothing. */
  static TransferListener forTerminal(Terminal t, String label, long total) {
    return t.interactive() ? new ProgressBar(t.err(), label, total, System::nanoTime) : NONE;
  }

  /** What {@code --progress} asks for in run {@code cli}. */
  static TransferListener of(StrataCli cli, String label, long total) {
    Terminal t = cli.terminal();
    return switch (cli.progress()) {
      case "plain" -> new ProgressBar(t.err(), label, total, System::nanoTime, Style.PLAIN);
      case "json" -> new ProgressBar(t.err(), label, total, System::nanoTime, Style.JSON);
      case "none" -> NONE;
      default -> forTerminal(t, label, total);
    };
  }

  @Override
  public void transferred(long bytes) {
    done += bytes;
    long now = clock.getAsLong();
    if (style == Style.BAR) {
      if (now - started < QUIET_NANOS || now - drawn < REDRAW_NANOS) {
        return;
      }
      drawn = now;
      if (!visible) {
        visible = true;
        VISIBLE.add(this);
        hook();
      }
      err.print("\r" + line(now) + "\033[K");
      err.flush();
    } else if (now - Math.max(started, drawn) >= LINE_NANOS) {
      drawn = now;
      report("status", now);
    }
  }

  /** Clears the bar's line if anything was drawn; prints the last line or summary otherwise. */
  void finish() {
    if (style == Style.BAR) {
      clear();
    } else {
      report("summary", clock.getAsLong());
    }
  }

  private void report(String type, long now) {
    if (style == Style.PLAIN) {
      err.println(line(now));
      return;
    }
    double seconds = (now - started) / 1e9;
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("messageType", type);
    event.put("operation", label);
    event.put("bytesDone", done);
    if (total > 0) {
      event.put("bytesTotal", total);
      event.put("percentDone", Math.min(1.0, (double) done / total));
    }
    event.put("secondsElapsed", Math.round(seconds * 1000) / 1000.0);
    long eta = eta(now);
    if (eta >= 0 && type.equals("status")) {
      event.put("secondsRemaining", eta);
    }
    err.println(Template.json(event));
  }

  /** {@code import [=====> ] 12.0 MiB / 100.0 MiB 12% 5.0 MiB/s ETA 17s}. */
  String line(long now) {
    double seconds = Math.max(1e-9, (now - started) / 1e9);
    String rate = ByteSize.human((long) (done / seconds)) + "/s";
    if (total <= 0) {
      return String.format(Locale.ROOT, "%s %s  %s", label, ByteSize.human(done), rate);
    }
    long eta = eta(now);
    String bar = style == Style.BAR ? " " + bar() : "";
    return String.format(
        Locale.ROOT,
        "%s%s %s / %s %3d%%  %s%s",
        label,
        bar,
        ByteSize.human(done),
        ByteSize.human(total),
        Math.min(100, done * 100 / total),
        rate,
        eta >= 0 ? "  ETA " + duration(eta) : "");
  }

  private String bar() {
    int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
    return "["
        + "=".repeat(Math.max(0, filled - 1))
        + (filled > 0 ? (filled == BAR_WIDTH ? "=" : ">") : "")
        + " ".repeat(BAR_WIDTH - filled)
        + "]";
  }

  /** Seconds left at the average rate so far; -1 when unknown. */
  private long eta(long now) {
    if (total <= 0 || done <= 0 || done >= total) {
      return total > 0 && done >= total ? 0 : -1;
    }
    double seconds = (now - started) / 1e9;
    return (long) Math.ceil((total - done) * seconds / done);
  }

  /** {@code 17s}, {@code 2m05s}, {@code 1h02m}. */
  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }

  private void clear() {
    if (visible) {
      err.print("\r\033[K");
      err.flush();
      visible = false;
      VISIBLE.remove(this);
    }
  }

  private static void hook() {
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> VISIBLE.forEach(ProgressBar::clear), "strata-clear-progress"));
    }
  }

  /** Clears the line of {@code listener} if it is a bar, or prints its summary. */
  static void finish(TransferListener listener) {
    if (listener instanceof ProgressBar bar) {
      bar.finish();
    }
  }
}

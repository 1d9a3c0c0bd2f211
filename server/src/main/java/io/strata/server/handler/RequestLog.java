package io.strata.server.handler;

import io.strata.protocol.Status;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * One request's clock and byte counts, and the log line it ends with: the long operations (import,
 * export, build, commit, push, pull, gc, fsck) at INFO with their duration and sizes, failures at
 * WARNING with the status, everything else at DEBUG. Nothing is logged per chunk or per frame.
 */
final class RequestLog {
  private static final System.Logger LOG = System.getLogger(RequestLog.class.getName());

  /** The operations whose end is worth a line at INFO. */
  private static final Set<String> LONG =
      Set.of(
          "image.import",
          "image.export",
          "image.build",
          "image.push",
          "image.pull",
          "container.commit",
          "container.export",
          "gc",
          "fsck",
          "volume.prune");

  private final String label;
  private final long started;
  private final LongAdder received = new LongAdder();
  private final LongAdder sent = new LongAdder();

  RequestLog(String label, long started) {
    this.label = label;
    this.started = started;
  }

  void received(long n) {
    received.add(n);
  }

  void sent(long n) {
    sent.add(n);
  }

  /** Seconds since the request came. */
  double seconds(long now) {
    return (now - started) / 1e9;
  }

  /** Logs the request's end with {@code status} at {@code now}. */
  void ended(Status status, long now) {
    System.Logger.Level level =
        status != Status.OK && status != Status.NOT_FOUND && status != Status.CANCELLED
            ? System.Logger.Level.WARNING
            : LONG.contains(label) ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
    if (!LOG.isLoggable(level)) {
      return;
    }
    LOG.log(
        level,
        "{0} {1} in {2} s: received {3} bytes, sent {4} bytes",
        label,
        status.name().toLowerCase(Locale.ROOT),
        String.format(Locale.ROOT, "%.3f", seconds(now)),
        Long.toString(received.sum()),
        Long.toString(sent.sum()));
  }
}

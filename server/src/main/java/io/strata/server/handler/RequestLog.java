package io.strata.server.handler;

import io.strata.protocol.Status;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * One request's clock and byte counts, and the log line it ends with: the long operations (import,
 * export, build, commit, push, pull, gc, fsck) and every cancelled request at INFO with their
 * duration and sizes, failures at WARNING with the status, everything else at DEBUG. Nothing is
 * logged per chunk or per frame. Answers that are no failure of the server are logged as successes
 * are: {@code NOT_FOUND}, {@code CANCELLED}, and {@code UNIMPLEMENTED}, which tells the client to
 * take its other way (a {@code registry.pull} from a registry that publishes no chunk index,
 * answered so for every pull from a registry that is not Strata, after which the client pulls the
 * ordinary way and succeeds).
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
          "volume.prune",
          "image.prune",
          "container.prune");

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

  /** The statuses that are answers, not failures of the server (see the class). */
  private static final Set<Status> ANSWERS =
      Set.of(Status.OK, Status.NOT_FOUND, Status.CANCELLED, Status.UNIMPLEMENTED);

  /**
   * The level the end of request {@code label} with {@code status} is logged at. A cancellation is
   * at INFO whatever the request: a client's Ctrl-C of a {@code blob put}, {@code cp} or a pull's
   * own requests is rare and leaves work undone, which the operator should see as they see a
   * cancelled import (at DEBUG, the default log showed nothing of them).
   */
  static System.Logger.Level level(String label, Status status) {
    if (!ANSWERS.contains(status)) {
      return System.Logger.Level.WARNING;
    }
    if (status == Status.CANCELLED) {
      return System.Logger.Level.INFO;
    }
    return LONG.contains(label) ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
  }

  /**
   * Logs the request's end with {@code status} at {@code now}; {@code failure}, the sentence a
   * failed request was answered with (or null), ends the line, so that a WARNING says what failed
   * on what, as the client was told.
   */
  void ended(Status status, long now, String failure) {
    System.Logger.Level level = level(label, status);
    if (!LOG.isLoggable(level)) {
      return;
    }
    LOG.log(
        level,
        "{0} {1} in {2} s: received {3} bytes, sent {4} bytes{5}",
        label,
        status.name().toLowerCase(Locale.ROOT),
        String.format(Locale.ROOT, "%.3f", seconds(now)),
        Long.toString(received.sum()),
        Long.toString(sent.sum()),
        failure == null || status == Status.OK ? "" : ": " + failure);
  }
}

package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request's end is a WARNING only when the server failed it: the {@code UNIMPLEMENTED} of a
 * {@code registry.pull} from a registry that publishes no chunk index (every registry that is not
 * Strata) sends the client the ordinary way, and was a WARNING at every such pull (finding Q2).
 */
@Timeout(10)
class RequestLogTest {
  @Test
  void anExpectedFallbackIsNoWarningAndAFailureIs() {
    assertThat(RequestLog.level("registry.pull", Status.UNIMPLEMENTED))
        .isEqualTo(System.Logger.Level.DEBUG);
    assertThat(RequestLog.level("registry.pull", Status.OK)).isEqualTo(System.Logger.Level.DEBUG);
    assertThat(RequestLog.level("image.pull", Status.UNIMPLEMENTED))
        .isEqualTo(System.Logger.Level.INFO);
    assertThat(RequestLog.level("blob.get", Status.NOT_FOUND)).isEqualTo(System.Logger.Level.DEBUG);
    for (Status failure :
        List.of(
            Status.INTERNAL,
            Status.CORRUPT_DATA,
            Status.STORAGE_FULL,
            Status.UNAVAILABLE,
            Status.UNAUTHENTICATED,
            Status.CONFLICT)) {
      assertThat(RequestLog.level("registry.pull", failure))
          .as(failure.name())
          .isEqualTo(System.Logger.Level.WARNING);
    }
  }

  /**
   * A client's Ctrl-C of any request, not only the long ones, is one INFO line naming it: a
   * cancelled {@code blob put}, {@code cp} (fs.write, fs.read) or the requests of a pull were at
   * DEBUG, so the default log showed nothing (finding U4–U6).
   */
  @Test
  void everyCancelledRequestIsAnInfoLine() {
    for (String label :
        List.of("blob.put", "fs.write", "fs.read", "registry.pull", "image.pull", "image.import")) {
      assertThat(RequestLog.level(label, Status.CANCELLED))
          .as(label)
          .isEqualTo(System.Logger.Level.INFO);
    }
    assertThat(RequestLog.level("blob.put", Status.OK)).isEqualTo(System.Logger.Level.DEBUG);
  }

  @Test
  void theLineOfAFallbackIsLoggedBelowWarning() {
    Logger jul = Logger.getLogger(RequestLog.class.getName());
    Level was = jul.getLevel();
    List<LogRecord> records = new ArrayList<>();
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.setLevel(Level.ALL);
    jul.addHandler(h);
    try {
      new RequestLog("registry.pull", 0).ended(Status.UNIMPLEMENTED, 128_000_000L, "no index");
      new RequestLog("image.export", 0)
          .ended(Status.CORRUPT_DATA, 1_000_000L, "image app:1: layer sha256:ab: pack 1 offset 2");
    } finally {
      jul.removeHandler(h);
      jul.setLevel(was);
    }
    assertThat(records).hasSize(2);
    assertThat(records.get(0).getLevel().intValue()).isLessThan(Level.WARNING.intValue());
    assertThat(records.get(0).getMessage()).startsWith("{0} {1} in {2} s");
    assertThat(records.get(1).getLevel()).isEqualTo(Level.WARNING);
    // a failure's line says what failed on what, as the client was told (W3)
    assertThat(
            java.text.MessageFormat.format(
                records.get(1).getMessage(), records.get(1).getParameters()))
        .startsWith("image.export corrupt_data in ")
        .endsWith(": image app:1: layer sha256:ab: pack 1 offset 2");
  }
}

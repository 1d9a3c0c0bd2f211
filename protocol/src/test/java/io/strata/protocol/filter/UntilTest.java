package io.strata.protocol.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class UntilTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void goDurationsCountBackFromNow() {
    assertThat(Until.parse("10m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
    assertThat(Until.parse("24h", NOW)).isEqualTo(NOW.minus(Duration.ofHours(24)));
    assertThat(Until.parse("1h30m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(90)));
    assertThat(Until.parse("1.5h", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(90)));
    assertThat(Until.parse("2m3s500ms", NOW)).isEqualTo(NOW.minus(Duration.ofMillis(123_500)));
    assertThat(Until.parse("300us", NOW)).isEqualTo(NOW.minus(Duration.ofNanos(300_000)));
    // Go's sign: a negative duration lies ahead
    assertThat(Until.parse("-1h", NOW)).isEqualTo(NOW.plus(Duration.ofHours(1)));
  }

  @Test
  void timesAreRfc3339OrUnixSeconds() {
    assertThat(Until.parse("2026-12-01T10:00:00Z", NOW))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(Until.parse("2026-12-01T12:00:00.5+02:00", NOW))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00.5Z"));
    assertThat(Until.parse("1765101600", NOW)).isEqualTo(Instant.ofEpochSecond(1765101600));
    assertThat(Until.parse("1765101600.25", NOW))
        .isEqualTo(Instant.ofEpochSecond(1765101600, 250_000_000));
    // as docker: 0 is a time (1970), not a duration of nothing
    assertThat(Until.parse("0", NOW)).isEqualTo(Instant.EPOCH);
  }

  @Test
  void anythingElseIsRefusedNamingTheFilter() {
    for (String bad :
        new String[] {"", "10", "h", "10x", "1h30", "yesterday", "2026-12-01", "1d"}) {
      if (bad.equals("10")) {
        continue; // Unix seconds
      }
      assertThatThrownBy(() -> Until.parse(bad, NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "invalid filter 'until="
                  + bad
                  + "': expected a duration (10m, 24h, 1h30m), an RFC 3339 time"
                  + " (2006-01-02T15:04:05Z) or Unix seconds");
    }
  }
}

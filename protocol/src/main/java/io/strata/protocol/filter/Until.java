package io.strata.protocol.filter;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value of an {@code until=} filter as docker reads it: a Go duration ({@code 10m}, {@code
 * 24h}, {@code 1h30m}, {@code 1.5h}) counted back from now, an RFC 3339 time ({@code
 * 2026-12-07T10:00:00Z}, with an offset or fractional seconds), or Unix seconds ({@code
 * 1765101600}, with a fraction). {@code 0} is Unix time 0, as in docker, not a duration.
 */
public final class Until {
  /** One term of a Go duration: a decimal number and its unit. */
  private static final Pattern TERM =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  private static final Pattern UNIX = Pattern.compile("-?\\d+(\\.\\d+)?");

  private Until() {}

  /**
   * The instant {@code value} names, durations counted back from {@code now}; an {@link
   * IllegalArgumentException} naming the filter when it is none of the three forms.
   */
  public static Instant parse(String value, Instant now) {
    if (!value.equals("0")) {
      Duration d = goDuration(value);
      if (d != null) {
        return now.minus(d);
      }
    }
    if (UNIX.matcher(value).matches()) {
      BigDecimal seconds = new BigDecimal(value);
      return Instant.ofEpochSecond(
          seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "invalid filter 'until="
              + value
              + "': expected a duration (10m, 24h, 1h30m), an RFC 3339 time"
              + " (2006-01-02T15:04:05Z) or Unix seconds");
    }
  }

  /** {@code s} as Go's {@code time.ParseDuration} reads it, or null when it is not one. */
  static Duration goDuration(String s) {
    String rest = s;
    boolean negative = false;
    if (rest.startsWith("-") || rest.startsWith("+")) {
      negative = rest.startsWith("-");
      rest = rest.substring(1);
    }
    if (rest.isEmpty()) {
      return null;
    }
    Matcher m = TERM.matcher(rest);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < rest.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      at = m.end();
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return negative ? d.negated() : d;
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs", "μs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L; // h
    };
  }
}

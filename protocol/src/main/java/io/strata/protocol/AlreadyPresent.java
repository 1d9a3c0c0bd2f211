package io.strata.protocol;

import java.util.Locale;

/**
 * The "(Z% already present)" of a transfer's summary: the share of an image's bytes the receiving
 * end held before, to one decimal, rounded down, so that a transfer that sent anything never reads
 * as 100% present (405 bytes of 1,065,379 is 99.9%, not 100.0%).
 */
public final class AlreadyPresent {
  private AlreadyPresent() {}

  /** {@code 100 × (total − sent) / total}, to one decimal, rounded down; 100.0 for nothing. */
  public static String percent(long sent, long total) {
    if (total <= 0 || sent <= 0) {
      return "100.0";
    }
    long tenths = Math.max(0, (total - sent) * 1000 / total); // floor, in tenths of a percent
    return String.format(Locale.ROOT, "%d.%d", tenths / 10, tenths % 10);
  }
}

package io.strata.perf.report;

import java.util.Arrays;
import java.util.Locale;

/** Medians and the number formats of the reports (MB is 10^6 bytes, MiB 2^20). */
public final class Figures {
  private Figures() {}

  /** The median of {@code values} (the mean of the middle two for an even count). */
  public static double median(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("median of no values");
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  /**
   * The {@code q}-quantile ({@code 0.5}, {@code 0.99}) of {@code values} by the nearest-rank
   * method: the smallest value at least {@code q} of the values do not exceed.
   */
  public static long percentile(long[] values, double q) {
    if (values.length == 0 || q < 0 || q > 1) {
      throw new IllegalArgumentException(
          "percentile " + q + " of " + values.length + " values: need 0 <= q <= 1 and values");
    }
    long[] v = values.clone();
    Arrays.sort(v);
    int rank = (int) Math.ceil(q * v.length);
    return v[Math.max(0, rank - 1)];
  }

  /** Bytes per second in MB/s. */
  public static double mbPerSec(long bytes, long nanos) {
    return nanos <= 0 ? 0 : bytes * 1e3 / nanos;
  }

  /** {@code bytes} as MB with one decimal. */
  public static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  /** {@code bytes} as MiB with one decimal. */
  public static String mib(double bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
  }

  /** A peak live heap ({@link ResourceProbe.Usage#peakLiveHeapBytes}): "no GC" when none ran. */
  public static String liveHeap(double bytes) {
    return bytes == 0 ? "no GC" : mib(bytes);
  }

  /** A number with {@code decimals} decimals. */
  public static String fixed(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A ratio as a percentage. */
  public static String percent(double ratio) {
    // A ratio over a CPU time too short for the clock to see is not a figure.
    if (!Double.isFinite(ratio)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.0f%%", ratio * 100);
  }
}

package io.strata.server.metrics;

/** Reads one sample out of a Prometheus text exposition. */
public final class Scrape {
  private Scrape() {}

  /** The value of the series {@code series} (name and labels as written), or NaN if absent. */
  public static double value(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }
}

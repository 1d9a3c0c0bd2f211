package io.strata.perf.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Named figures collected over the rounds of a run, each reported as its median. */
public final class Samples {
  private final Map<String, List<Double>> values = new LinkedHashMap<>();

  /** Records one round's value of figure {@code key}. */
  public void add(String key, double value) {
    values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
  }

  /** The median of figure {@code key} over the rounds; NaN if it was never recorded. */
  public double median(String key) {
    List<Double> v = values.get(key);
    if (v == null) {
      return Double.NaN;
    }
    return Figures.median(v.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * The median of {@code key} and, when there was more than one round, every round's value in
   * order: {@code 75 (70, 75, 81)}. "n/a" if it was never recorded.
   */
  public String withSpread(String key, int decimals) {
    List<Double> v = values.get(key);
    if (v == null) {
      return "n/a";
    }
    String median = Figures.fixed(median(key), decimals);
    if (v.size() == 1) {
      return median;
    }
    StringJoiner rounds = new StringJoiner(", ", " (", ")");
    for (double d : v) {
      rounds.add(Figures.fixed(d, decimals));
    }
    return median + rounds;
  }

  /** Every value of {@code key} in round order, for showing the spread. */
  public List<Double> all(String key) {
    return List.copyOf(values.getOrDefault(key, List.of()));
  }
}

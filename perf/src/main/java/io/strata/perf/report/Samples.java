package io.strata.perf.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /** Every value of {@code key} in round order, for showing the spread. */
  public List<Double> all(String key) {
    return List.copyOf(values.getOrDefault(key, List.of()));
  }
}

package io.strata.perf.micro;

import io.strata.perf.report.Table;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks whose names match a pattern and prints one row per benchmark and parameter
 * set. Every benchmark here has a {@code bytes} parameter, the bytes one operation processes, so
 * operations per second convert to MB/s (10^6 bytes).
 */
public final class MicroRun {
  /** Parameters that only size the input; left out of the row label. */
  private static final List<String> SIZE_PARAMS = List.of("bytes", "corpusMiB");

  private final String include;
  private final int iterations;
  private final int seconds;

  /**
   * A run of the benchmarks matching {@code include} (a regular expression over their names), with
   * {@code iterations} measured iterations of {@code seconds} each after two warm-up iterations.
   */
  public MicroRun(String include, int iterations, int seconds) {
    this.include = include;
    this.iterations = iterations;
    this.seconds = seconds;
  }

  /** Runs the benchmarks and prints the table to {@code out}. */
  public void run(PrintStream out) throws RunnerException {
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(include)
            .forks(1)
            .warmupIterations(2)
            .warmupTime(TimeValue.seconds(seconds))
            .measurementIterations(iterations)
            .measurementTime(TimeValue.seconds(seconds));
    Collection<RunResult> results = new Runner(options.build()).run();
    report(results).print(out);
  }

  private static Table report(Collection<RunResult> results) {
    Table t = new Table("benchmark", "params", "ops/s", "± (99.9%)", "MB/s");
    List<RunResult> sorted = new ArrayList<>(results);
    sorted.sort((a, b) -> label(a.getParams()).compareTo(label(b.getParams())));
    for (RunResult r : sorted) {
      BenchmarkParams p = r.getParams();
      Result<?> primary = r.getPrimaryResult();
      double opsPerSec = primary.getScore();
      long bytes = Long.parseLong(p.getParam("bytes"));
      t.row(
          label(p),
          params(p),
          format(opsPerSec),
          format(primary.getScoreError()),
          format(opsPerSec * bytes / 1e6));
    }
    return t;
  }

  private static String label(BenchmarkParams p) {
    String[] parts = p.getBenchmark().split("\\.");
    return parts[parts.length - 2] + "." + parts[parts.length - 1];
  }

  private static String params(BenchmarkParams p) {
    List<String> kv = new ArrayList<>();
    for (String k : p.getParamsKeys()) {
      if (!SIZE_PARAMS.contains(k)) {
        kv.add(k + "=" + p.getParam(k));
      }
    }
    kv.add("bytes/op=" + p.getParam("bytes"));
    return String.join(" ", kv);
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }
}

package io.strata.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.strata.server.op.FsckListener;
import io.strata.store.engine.FsckReport;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the fsck runs found, for an alert to watch: runs by result, the damaged objects of the last
 * completed run by kind, and when the last run ended and whether it completed. The request counter
 * says only that an fsck answered; these say whether the store is damaged (W2).
 */
public final class FsckMetrics implements FsckListener {
  private final Clock clock;
  private final Counter runs;
  private final Gauge damaged;
  private final Gauge checked;
  private final Gauge lastRun;
  private final Gauge lastRunCompleted;
  private final Gauge lastCompleted;

  FsckMetrics(PrometheusRegistry registry, Clock clock) {
    this.clock = clock;
    runs =
        Counter.builder()
            .name("strata_fsck_runs_total")
            .help("fsck runs by result: clean, damaged (found damage) or failed (did not finish).")
            .labelNames("result")
            .register(registry);
    // at 0 from the start, so that an alert's increase() sees the first damaged run
    for (String r : new String[] {"clean", "damaged", "failed"}) {
      runs.labelValues(r);
    }
    damaged =
        Gauge.builder()
            .name("strata_fsck_damaged")
            .help("Damaged or missing objects the last completed fsck found, by kind.")
            .labelNames("kind")
            .register(registry);
    checked =
        gauge(registry, "strata_fsck_checked_chunks", "Chunks the last completed fsck re-hashed.");
    lastRun =
        gauge(
            registry,
            "strata_fsck_last_run_timestamp_seconds",
            "When the last fsck ended, completed or not (Unix time).");
    lastRunCompleted =
        gauge(
            registry,
            "strata_fsck_last_run_completed",
            "1 if the last fsck checked the whole store, 0 if it failed.");
    lastCompleted =
        gauge(
            registry,
            "strata_fsck_last_completed_timestamp_seconds",
            "When the last completed fsck ended (Unix time).");
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).register(registry);
  }

  @Override
  public void completed(FsckReport report) {
    Map<DamageKind, Integer> counts = new EnumMap<>(DamageKind.class);
    for (DamageKind k : DamageKind.values()) {
      counts.put(k, 0);
    }
    for (FsckReport.Damage d : report.damaged()) {
      counts.merge(DamageKind.of(d), 1, Integer::sum);
    }
    // every kind is written, zeros included: a clean run clears what an earlier one found
    counts.forEach((k, n) -> damaged.labelValues(k.name().toLowerCase(Locale.ROOT)).set(n));
    checked.set(report.chunksChecked());
    runs.labelValues(report.clean() ? "clean" : "damaged").inc();
    double now = now();
    lastRun.set(now);
    lastRunCompleted.set(1);
    lastCompleted.set(now);
  }

  @Override
  public void failed() {
    runs.labelValues("failed").inc();
    lastRun.set(now());
    lastRunCompleted.set(0);
  }

  private double now() {
    return clock.millis() / 1000.0;
  }
}

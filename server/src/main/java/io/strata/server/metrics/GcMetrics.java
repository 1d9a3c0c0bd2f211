package io.strata.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.strata.store.engine.GcResult;
import java.time.Clock;

/**
 * What the gc runs this node ran reclaimed, and when the last one ended: a fleet's gc, which
 * reclaims duplicate copies and repacks as well as unreferenced chunks, by each of its figures
 * (X4a, X4b), so that its bytes can be accounted for.
 */
final class GcMetrics {
  private final Clock clock;
  private final Counter runs;
  private final Counter chunks;
  private final Counter bytes;
  private final Counter duplicates;
  private final Counter repacked;
  private final Counter packs;
  private final Gauge lastRun;
  private final Gauge lastBytes;

  GcMetrics(PrometheusRegistry registry, Clock clock) {
    this.clock = clock;
    runs = counter(registry, "strata_gc_runs_total", "Garbage collections run.");
    chunks = counter(registry, "strata_gc_chunks_removed_total", "Unreferenced chunks gc removed.");
    bytes = counter(registry, "strata_gc_reclaimed_bytes_total", "Bytes gc reclaimed.");
    duplicates =
        counter(
            registry,
            "strata_gc_duplicates_dropped_total",
            "Fleet gc: copies of a chunk two nodes stored, aliased to one copy.");
    repacked =
        counter(
            registry,
            "strata_gc_chunks_repacked_total",
            "Fleet gc: needed chunks copied out of mostly dead packs.");
    packs = counter(registry, "strata_gc_packs_deleted_total", "Fleet gc: bucket packs deleted.");
    lastRun =
        gauge(
            registry,
            "strata_gc_last_run_timestamp_seconds",
            "When the last gc this node ran ended (Unix time).");
    lastBytes =
        gauge(
            registry,
            "strata_gc_last_reclaimed_bytes",
            "Bytes the last gc this node ran reclaimed.");
  }

  private static Counter counter(PrometheusRegistry registry, String name, String help) {
    return Counter.builder().name(name).help(help).register(registry);
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).register(registry);
  }

  void ran(GcResult r) {
    runs.inc();
    chunks.inc(r.chunksRemoved());
    bytes.inc(r.bytesReclaimed());
    duplicates.inc(r.duplicatesDropped());
    repacked.inc(r.chunksRepacked());
    packs.inc(r.packsDeleted());
    lastRun.set(clock.millis() / 1000.0);
    lastBytes.set(r.bytesReclaimed());
  }
}

package io.strata.server.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.strata.store.engine.StoreInfo;
import io.strata.store.remote.SharedStore;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A fleet node's figures of its bucket, as {@code strata info} shows them (X4b): uploads pending
 * (the backlog while the object store is out of reach), the bucket's packs as this node indexes
 * them, and its cache. Read from what the node already keeps: a scrape sends no request to the
 * bucket. A store of this disk only has none of these series.
 */
final class FleetMetrics {
  private final Supplier<StoreInfo> store;

  FleetMetrics(PrometheusRegistry registry, Supplier<StoreInfo> store) {
    this.store = store;
    gauge(
        registry,
        "strata_fleet_pending_uploads",
        "Packs written here and not yet in the bucket (the open pack included).",
        SharedStore.Stats::pendingUploads);
    gauge(
        registry,
        "strata_fleet_bucket_packs",
        "Packs of the bucket this node indexes (its own and other nodes').",
        SharedStore.Stats::bucketPacks);
    gauge(
        registry,
        "strata_fleet_bucket_bytes",
        "Bytes of the bucket's packs this node indexes.",
        SharedStore.Stats::bucketBytes);
    gauge(
        registry,
        "strata_fleet_cache_bytes",
        "Bytes of the bucket's packs cached on this node's disk.",
        SharedStore.Stats::cacheBytes);
    gauge(
        registry,
        "strata_fleet_cache_budget_bytes",
        "The cache's budget (stratad --s3-cache-size).",
        SharedStore.Stats::cacheBudget);
    counter(
        registry,
        "strata_fleet_cache_hits",
        "Reads of the bucket's packs the cache answered.",
        SharedStore.Stats::cacheHits);
    counter(
        registry,
        "strata_fleet_cache_misses",
        "Reads of the bucket's packs that fetched from the bucket.",
        SharedStore.Stats::cacheMisses);
    counter(
        registry,
        "strata_fleet_fetched_bytes",
        "Bytes fetched from the bucket.",
        SharedStore.Stats::fetchedBytes);
    counter(
        registry,
        "strata_fleet_uploaded_bytes",
        "Bytes of packs uploaded to the bucket.",
        SharedStore.Stats::uploadedBytes);
  }

  private void gauge(
      PrometheusRegistry registry,
      String name,
      String help,
      ToDoubleFunction<SharedStore.Stats> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              SharedStore.Stats s = shared();
              if (s != null) {
                cb.call(value.applyAsDouble(s));
              }
            })
        .register(registry);
  }

  /** {@code name} without {@code _total}: the client library adds it to a counter's samples. */
  private void counter(
      PrometheusRegistry registry,
      String name,
      String help,
      ToDoubleFunction<SharedStore.Stats> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              SharedStore.Stats s = shared();
              if (s != null) {
                cb.call(value.applyAsDouble(s));
              }
            })
        .register(registry);
  }

  private SharedStore.Stats shared() {
    StoreInfo s = store.get();
    return s == null ? null : s.shared();
  }
}

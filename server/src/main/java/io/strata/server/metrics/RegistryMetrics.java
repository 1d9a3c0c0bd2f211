package io.strata.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The registry endpoint's HTTP traffic: requests by method, route kind and status code, latency by
 * route kind, body bytes each way, and connections. Labels take a few fixed values only (never a
 * repository name or a digest), so the series stay few whatever the clients ask.
 */
public final class RegistryMetrics {
  private final Counter requests;
  private final Counter aborted;
  private final Histogram latency;
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Counter connections;
  private final Gauge openConnections;

  RegistryMetrics(PrometheusRegistry registry, double[] latencyBounds) {
    requests =
        Counter.builder()
            .name("strata_registry_requests_total")
            .help(
                "Registry requests by method, route kind and status code"
                    + " (code none: the connection closed before any answer).")
            .labelNames("method", "route", "code")
            .register(registry);
    aborted =
        Counter.builder()
            .name("strata_registry_requests_aborted_total")
            .help("Registry requests whose connection closed before their answer was complete.")
            .labelNames("route")
            .register(registry);
    latency =
        Histogram.builder()
            .name("strata_registry_request_duration_seconds")
            .help("Time from a registry request's head to the end of its answer, by route kind.")
            .labelNames("route")
            .classicOnly()
            .classicUpperBounds(latencyBounds)
            .register(registry);
    bytesIn =
        Counter.builder()
            .name("strata_registry_received_bytes_total")
            .help("Registry request body bytes received, by route kind.")
            .labelNames("route")
            .register(registry);
    bytesOut =
        Counter.builder()
            .name("strata_registry_sent_bytes_total")
            .help("Registry response body bytes sent, by route kind.")
            .labelNames("route")
            .register(registry);
    connections =
        Counter.builder()
            .name("strata_registry_connections_total")
            .help("Registry connections accepted.")
            .register(registry);
    openConnections =
        Gauge.builder()
            .name("strata_registry_connections_open")
            .help("Registry connections open.")
            .register(registry);
  }

  void connectionOpened() {
    connections.inc();
    openConnections.inc();
  }

  void connectionClosed() {
    openConnections.dec();
  }

  void received(String route, long bytes) {
    bytesIn.labelValues(route).inc(bytes);
  }

  void sent(String route, long bytes) {
    bytesOut.labelValues(route).inc(bytes);
  }

  /** A request was answered in full with {@code code} after {@code seconds}. */
  void answered(String method, String route, String code, double seconds) {
    requests.labelValues(method, route, code).inc();
    latency.labelValues(route).observe(seconds);
  }

  /**
   * A request's connection closed with its answer unfinished: {@code code} is the answer's status
   * if it had begun, else {@code none}.
   */
  void abandoned(String method, String route, String code) {
    requests.labelValues(method, route, code).inc();
    aborted.labelValues(route).inc();
  }
}

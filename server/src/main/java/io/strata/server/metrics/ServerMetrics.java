package io.strata.server.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.strata.protocol.Status;
import io.strata.store.engine.GcResult;
import io.strata.store.engine.StoreInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The metrics of one server process, kept and written by Prometheus' own Java client: requests by
 * operation and outcome with a latency histogram per operation, payload bytes in and out,
 * connections, gc ({@link GcMetrics}), a fleet node's bucket ({@link FleetMetrics}), fsck's
 * findings ({@link FsckMetrics}), the registry endpoint's HTTP traffic ({@link RegistryMetrics}),
 * the store's figures, build info, and the JVM's and the process's own metrics. Names follow
 * Prometheus' conventions (units in the name, {@code _total} counters). Thread-safe; updated from
 * event loops and engine threads.
 */
public final class ServerMetrics {
  /** Request latencies: a millisecond to ten minutes (an import of gigabytes). */
  static final double[] LATENCY_BOUNDS = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer =
      PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(false).build();
  private final Counter requests;
  private final Histogram latency;
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Counter connections;
  private final Gauge openConnections;
  private final Counter protocolErrors;
  private final GcMetrics gc;
  private final FsckMetrics fsck;
  private final RegistryMetrics registryTraffic;
  private volatile StoreInfo store;

  public ServerMetrics() {
    this(Clock.systemUTC());
  }

  /** {@code clock} dates the fsck runs. */
  ServerMetrics(Clock clock) {
    requests =
        Counter.builder()
            .name("strata_requests_total")
            .help("Requests by operation and outcome.")
            .labelNames("op", "outcome")
            .register(registry);
    latency =
        Histogram.builder()
            .name("strata_request_duration_seconds")
            .help("Time from a request to its answer, by operation.")
            .labelNames("op")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .register(registry);
    bytesIn = counter("strata_received_bytes_total", "Payload bytes received.");
    bytesOut = counter("strata_sent_bytes_total", "Payload bytes sent.");
    connections = counter("strata_connections_total", "Connections accepted.");
    openConnections =
        Gauge.builder()
            .name("strata_connections_open")
            .help("Connections open.")
            .register(registry);
    protocolErrors =
        counter("strata_protocol_errors_total", "Connections closed for breaking the protocol.");
    gc = new GcMetrics(registry, clock);
    new FleetMetrics(registry, () -> store);
    fsck = new FsckMetrics(registry, clock);
    registryTraffic = new RegistryMetrics(registry, LATENCY_BOUNDS);
    storeGauge("strata_chunks", "Chunks in the index.", StoreInfo::chunks);
    storeGauge("strata_logical_bytes", "Bytes stored before dedup.", StoreInfo::logicalBytes);
    storeGauge("strata_stored_bytes", "Bytes of the pack files.", StoreInfo::storedBytes);
    storeGauge("strata_index_bytes", "Bytes of the index on disk.", StoreInfo::indexBytes);
    // an empty store has stored nothing twice: its ratio is 1, never below. On a fleet node the
    // unique bytes are those of every chunk of the bucket it indexes, other nodes' included, so an
    // image imported again here, all of it deduplicated against them, leaves the ratio at 1.
    storeGauge(
        "strata_dedup_ratio",
        "Logical bytes of this node's roots over the unique bytes of the chunks it indexes (a"
            + " fleet node: the bucket's); at least 1.",
        s -> Math.max(1.0, s.dedupRatio()));
    storeGauge(
        "strata_compression_ratio",
        "Unique chunk bytes over their compressed bytes.",
        StoreInfo::compressionRatio);
    Info build =
        Info.builder()
            .name("strata_build_info")
            .help("The server's version, the commit it was built from, and the Java it runs on.")
            .labelNames("version", "commit", "committed", "java_version")
            .register(registry);
    build.setLabelValues(
        io.strata.store.engine.Version.VERSION,
        io.strata.protocol.BuildInfo.CURRENT.commit(),
        io.strata.protocol.BuildInfo.CURRENT.committed(),
        System.getProperty("java.version"));
    JvmMetrics.builder().register(registry);
  }

  private Counter counter(String name, String help) {
    return Counter.builder().name(name).help(help).register(registry);
  }

  private void storeGauge(String name, String help, ToDoubleFunction<StoreInfo> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              StoreInfo s = store;
              if (s != null) {
                cb.call(value.applyAsDouble(s));
              }
            })
        .register(registry);
  }

  /** A request for {@code op} ended with {@code status}. */
  public void request(String op, Status status) {
    requests.labelValues(op, status.name().toLowerCase(Locale.ROOT)).inc();
  }

  /** A request for {@code op} ended with {@code status} after {@code seconds}. */
  public void request(String op, Status status, double seconds) {
    request(op, status);
    latency.labelValues(op).observe(seconds);
  }

  /** Payload bytes received from clients. */
  public void received(long bytes) {
    bytesIn.inc(bytes);
  }

  /** Payload bytes sent to clients. */
  public void sent(long bytes) {
    bytesOut.inc(bytes);
  }

  public void connectionOpened() {
    connections.inc();
    openConnections.inc();
  }

  public void connectionClosed() {
    openConnections.dec();
  }

  /** A connection was closed for breaking the protocol. */
  public void protocolError() {
    protocolErrors.inc();
  }

  public void gc(GcResult r) {
    gc.ran(r);
  }

  /** What the fsck runs found: hand it to the fsck operation. */
  public FsckMetrics fsck() {
    return fsck;
  }

  /** The registry endpoint's traffic: hand it to the registry server. */
  public RegistryMetrics registryTraffic() {
    return registryTraffic;
  }

  /** The Prometheus text exposition (format 0.0.4) of the metrics and the store's figures. */
  public String render(StoreInfo info) {
    store = info;
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
    try {
      writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    } catch (IOException e) {
      throw new UncheckedIOException("metrics: cannot write the exposition", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}

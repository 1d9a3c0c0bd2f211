package io.strata.server.metrics;

import io.strata.protocol.Status;
import io.strata.store.engine.GcResult;
import io.strata.store.engine.StoreInfo;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one server process. Thread-safe; updated from event loops and engine threads. */
public final class ServerMetrics {
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder connections = new LongAdder();
  private final LongAdder protocolErrors = new LongAdder();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final LongAdder gcRuns = new LongAdder();
  private final LongAdder gcChunks = new LongAdder();
  private final LongAdder gcBytes = new LongAdder();

  /** A request for {@code op} ended with {@code status}. */
  public void request(String op, Status status) {
    requests
        .computeIfAbsent(op + '\0' + status.name().toLowerCase(Locale.ROOT), k -> new LongAdder())
        .increment();
  }

  /** Payload bytes received from clients. */
  public void received(long bytes) {
    bytesIn.add(bytes);
  }

  /** Payload bytes sent to clients. */
  public void sent(long bytes) {
    bytesOut.add(bytes);
  }

  public void connectionOpened() {
    connections.increment();
    openConnections.incrementAndGet();
  }

  public void connectionClosed() {
    openConnections.decrementAndGet();
  }

  /** A connection was closed for breaking the protocol. */
  public void protocolError() {
    protocolErrors.increment();
  }

  public void gc(GcResult r) {
    gcRuns.increment();
    gcChunks.add(r.chunksRemoved());
    gcBytes.add(r.bytesReclaimed());
  }

  /** The Prometheus text exposition (format 0.0.4) of the counters and the store's figures. */
  public String render(StoreInfo store) {
    StringBuilder b = new StringBuilder(4096);
    header(b, "strata_requests_total", "counter", "Requests by operation and outcome.");
    Map<String, Long> sorted = new TreeMap<>();
    requests.forEach((k, v) -> sorted.put(k, v.sum()));
    sorted.forEach(
        (k, v) -> {
          int sep = k.indexOf('\0');
          b.append("strata_requests_total{op=\"")
              .append(k, 0, sep)
              .append("\",outcome=\"")
              .append(k, sep + 1, k.length())
              .append("\"} ")
              .append(v)
              .append('\n');
        });
    metric(b, "strata_received_bytes_total", "counter", "Payload bytes received.", bytesIn.sum());
    metric(b, "strata_sent_bytes_total", "counter", "Payload bytes sent.", bytesOut.sum());
    metric(b, "strata_connections_total", "counter", "Connections accepted.", connections.sum());
    metric(b, "strata_connections_open", "gauge", "Connections open.", openConnections.get());
    metric(
        b,
        "strata_protocol_errors_total",
        "counter",
        "Connections closed for breaking the protocol.",
        protocolErrors.sum());
    metric(b, "strata_gc_runs_total", "counter", "Garbage collections run.", gcRuns.sum());
    metric(b, "strata_gc_chunks_removed_total", "counter", "Chunks gc removed.", gcChunks.sum());
    metric(b, "strata_gc_reclaimed_bytes_total", "counter", "Bytes gc reclaimed.", gcBytes.sum());
    metric(b, "strata_chunks", "gauge", "Chunks in the index.", store.chunks());
    metric(b, "strata_logical_bytes", "gauge", "Bytes stored before dedup.", store.logicalBytes());
    metric(b, "strata_stored_bytes", "gauge", "Bytes of the pack files.", store.storedBytes());
    metric(b, "strata_index_bytes", "gauge", "Bytes of the index on disk.", store.indexBytes());
    gauge(b, "strata_dedup_ratio", "Logical bytes over unique chunk bytes.", store.dedupRatio());
    gauge(
        b,
        "strata_compression_ratio",
        "Unique chunk bytes over their compressed bytes.",
        store.compressionRatio());
    return b.toString();
  }

  private static void header(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void metric(StringBuilder b, String name, String type, String help, long v) {
    header(b, name, type, help);
    b.append(name).append(' ').append(v).append('\n');
  }

  private static void gauge(StringBuilder b, String name, String help, double v) {
    header(b, name, "gauge", help);
    b.append(name).append(' ').append(String.format(Locale.ROOT, "%.6f", v)).append('\n');
  }
}

/**
 * The server's counters and their Prometheus text exposition at {@code /metrics}, served on its own
 * address by a small Netty HTTP server.
 */
package io.strata.server.metrics;

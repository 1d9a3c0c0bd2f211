/**
 * Runs against a real stratad started in this JVM on a loopback port: the throughput of one large
 * put and get compared with the embedded store on the same data, and many concurrent clients
 * putting small, overlapping objects (latency percentiles and the server's heap).
 */
package io.strata.perf.server;

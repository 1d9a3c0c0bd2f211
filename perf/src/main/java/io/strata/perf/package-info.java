/**
 * The {@code strata-perf} command line: micro-benchmarks (JMH), end-to-end ingest runs against the
 * machine's own limits and against restic, and the bounded-memory run. Nothing depends on this
 * module; nothing in it runs in the test suite except a smoke test of each benchmark.
 */
package io.strata.perf;

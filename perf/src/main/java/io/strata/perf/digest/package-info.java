/** Benchmarks of {@link io.strata.store.digest}: SHA-256 of chunks. */
package io.strata.perf.digest;

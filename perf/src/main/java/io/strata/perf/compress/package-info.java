/** Benchmarks of {@link io.strata.store.compress}: each codec over chunks of real files. */
package io.strata.perf.compress;

/** Benchmarks of {@link io.strata.store.chunk}: FastCDC cut points and the streaming splitter. */
package io.strata.perf.chunk;

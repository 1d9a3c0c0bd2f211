/**
 * Input for benchmarks and runs: seeded random and text-like bytes, slices of real files, and an
 * endless generated stream whose SHA-256 is known without storing it.
 */
package io.strata.perf.data;

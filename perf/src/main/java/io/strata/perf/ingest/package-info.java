/**
 * End-to-end ingest runs: directory trees into a fresh embedded store, file by file, measured
 * against the machine's own limits (SHA-256 and zstd on the same chunks) and against restic on the
 * same trees in the same run.
 */
package io.strata.perf.ingest;

package io.strata.perf.peer;

import io.strata.perf.report.DiskBytes;
import io.strata.perf.report.ResourceProbe;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One tree backed up into a peer's repository.
 *
 * @param nanos wall time of the backup process
 * @param cpuNanos its CPU time, user and system (-1: unknown)
 * @param repoBytes the repository's size on disk afterwards
 */
public record Backup(long nanos, long cpuNanos, long repoBytes) {
  /** A backup process, run to completion. */
  interface Command {
    void run() throws IOException;
  }

  /** Runs {@code backup}, times it, and sizes {@code repo} afterwards. */
  static Backup measure(Command backup, Path repo) throws IOException {
    long cpu0 = ResourceProbe.childrenCpuNanos();
    long t0 = System.nanoTime();
    backup.run();
    long nanos = System.nanoTime() - t0;
    long cpu1 = ResourceProbe.childrenCpuNanos();
    return new Backup(nanos, cpu0 < 0 ? -1 : cpu1 - cpu0, DiskBytes.under(repo));
  }
}

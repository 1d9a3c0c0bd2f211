/** Reporting: text tables, medians, and what a run cost the process (CPU, heap, RSS). */
package io.strata.perf.report;

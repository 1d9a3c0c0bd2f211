package io.strata.perf.peer;

/**
 * One tree backed up into a peer's repository.
 *
 * @param nanos wall time of the backup process
 * @param repoBytes the repository's size on disk afterwards
 */
public record Backup(long nanos, long repoBytes) {}

package io.strata.store.engine;

/**
 * What a garbage collection gave back.
 *
 * @param chunksRemoved chunks no root referenced, now gone
 * @param bytesReclaimed bytes the pack files shrank by
 */
public record GcResult(long chunksRemoved, long bytesReclaimed) {}

package io.strata.store.hosts;

/**
 * A batch of chunk records as counted by whoever wrote or took it.
 *
 * @param chunks records
 * @param rawBytes their chunks' bytes before compression
 * @param bytes the records' own bytes (what crossed the wire)
 */
public record RecordCounts(long chunks, long rawBytes, long bytes) {}

package io.strata.protocol.message;

/**
 * The answer to {@code transfer.chunks} (chunks sent) and {@code transfer.put} (chunks received).
 *
 * @param chunks how many chunk records
 * @param rawBytes the chunks' bytes before compression
 * @param bytes the records' bytes on the wire
 */
public record ChunksEnd(long chunks, long rawBytes, long bytes) {}

package io.strata.store.hosts;

/**
 * What a push or pull did.
 *
 * @param id the image's id
 * @param tag its name on the receiving host, or null
 * @param chunksSent chunk records that crossed
 * @param chunksTotal distinct chunks of the image
 * @param bytesSent the crossing chunks' bytes before compression
 * @param bytesTotal the image's distinct chunks' bytes before compression
 * @param wireBytes plan, chunk lists and records as they crossed
 */
public record TransferSummary(
    String id,
    String tag,
    long chunksSent,
    long chunksTotal,
    long bytesSent,
    long bytesTotal,
    long wireBytes) {}

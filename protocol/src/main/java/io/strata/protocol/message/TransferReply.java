package io.strata.protocol.message;

/**
 * The answer to {@code image.push} and {@code image.pull}; the keys of {@code strata --json push}.
 *
 * @param id the image's id
 * @param tag the name it was given on the receiving host, or null
 * @param chunksSent distinct chunks that crossed the wire
 * @param chunksTotal distinct chunks of the image
 * @param bytesSent the bytes of the chunks sent, before compression
 * @param bytesTotal the bytes of all its chunks
 * @param wireBytes every byte the transfer put on the wire: the plan, lists and compressed chunks
 */
public record TransferReply(
    String id,
    String tag,
    long chunksSent,
    long chunksTotal,
    long bytesSent,
    long bytesTotal,
    long wireBytes) {}

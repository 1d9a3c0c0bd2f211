package io.strata.protocol.message;

/**
 * The answer to {@code transfer.offer}.
 *
 * @param plan the plan's id, for {@code transfer.put} and {@code transfer.apply}
 * @param chunks how many of its distinct chunks the server lacks (the list sent as DATA)
 * @param bytes their bytes
 * @param chunksTotal the plan's distinct chunks
 * @param bytesTotal their bytes
 */
public record OfferReply(String plan, long chunks, long bytes, long chunksTotal, long bytesTotal) {}

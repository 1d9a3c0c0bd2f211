package io.strata.protocol.message;

/**
 * The answer to {@code blob.put}; the keys of {@code strata --json blob put}.
 *
 * @param digest {@code sha256:<64 hex>} of the content
 * @param size the content's length
 * @param newChunks chunks the store did not hold before
 * @param newBytes pack bytes those chunks take
 */
public record PutReply(String digest, long size, long newChunks, long newBytes) {}

package io.strata.protocol.message;

/**
 * One line of {@code blob.ls}; the keys of {@code strata --json blob ls}.
 *
 * @param digest {@code sha256:<64 hex>}
 * @param size the content's length
 */
public record BlobItem(String digest, long size) {}

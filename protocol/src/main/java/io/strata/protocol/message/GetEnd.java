package io.strata.protocol.message;

/**
 * The RESPONSE that ends a successful {@code blob.get}.
 *
 * @param bytes bytes sent in DATA frames
 */
public record GetEnd(long bytes) {}

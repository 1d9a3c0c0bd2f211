package io.strata.protocol.message;

/**
 * The RESPONSE that ends a listing streamed as JSON lines.
 *
 * @param count lines sent
 */
public record ListEnd(long count) {}

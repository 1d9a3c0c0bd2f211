package io.strata.protocol.message;

/**
 * Arguments of {@code blob.get}.
 *
 * @param digest {@code sha256:<64 hex>}
 * @param offset the first byte to send
 * @param length bytes to send at most; null or negative: to the end
 */
public record GetArgs(String digest, long offset, Long length) {}

package io.strata.protocol.message;

/**
 * Arguments naming one object: {@code blob.stat}, {@code blob.rm} (and the reply of {@code
 * blob.rm}).
 *
 * @param digest {@code sha256:<64 hex>}
 */
public record DigestArgs(String digest) {}

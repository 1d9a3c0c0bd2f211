package io.strata.protocol.message;

/**
 * The answer to {@code blob.stat}; the keys of {@code strata --json blob stat}.
 *
 * @param digest {@code sha256:<64 hex>}
 * @param size the content's length
 * @param chunks chunks it references, repeats included
 * @param uniqueBytes pack bytes no other object references
 */
public record StatReply(String digest, long size, long chunks, long uniqueBytes) {}

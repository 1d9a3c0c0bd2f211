package io.strata.protocol.message;

/**
 * Arguments of {@code blob.put}.
 *
 * @param size the length the client will send, when it knows it; the server refuses a stream that
 *     ends at another length. Null when unknown (a pipe).
 */
public record PutArgs(Long size) {}

package io.strata.protocol.message;

/**
 * The answer of a request that changed one path inside a container ({@code fs.change}, {@code
 * container.cp-in}).
 *
 * @param path the path changed, normalized
 */
public record PathReply(String path) {}

package io.strata.protocol.message;

/**
 * The answer of {@code fs.write}.
 *
 * @param path the file written, normalized
 * @param bytes how many bytes were written
 * @param size the file's size afterwards
 */
public record WriteReply(String path, long bytes, long size) {}

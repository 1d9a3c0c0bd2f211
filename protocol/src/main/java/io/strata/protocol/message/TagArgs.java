package io.strata.protocol.message;

/**
 * Arguments of {@code image.tag}.
 *
 * @param source the image to tag: {@code name[:tag]}, an id, or a unique id prefix
 * @param target the new {@code name[:tag]} (moved if another image had it)
 */
public record TagArgs(String source, String target) {}

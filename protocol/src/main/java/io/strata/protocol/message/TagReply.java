package io.strata.protocol.message;

/**
 * The answer of {@code image.tag}.
 *
 * @param id the image that now has the tag
 * @param tag the tag, in full {@code name:tag} form
 */
public record TagReply(String id, String tag) {}

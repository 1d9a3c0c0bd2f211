package io.strata.protocol.message;

/**
 * The answer of {@code container.commit}.
 *
 * @param id the new image's id
 * @param tag the tag it was given, normalized ({@code name:tag})
 */
public record CommitReply(String id, String tag) {}

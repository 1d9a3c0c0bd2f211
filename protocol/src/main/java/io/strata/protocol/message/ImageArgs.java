package io.strata.protocol.message;

/**
 * Arguments of the requests about one image ({@code image.history|inspect|rm}).
 *
 * @param image {@code name[:tag]}, an id, or a unique prefix of at least 4 hex digits of one
 */
public record ImageArgs(String image) {}

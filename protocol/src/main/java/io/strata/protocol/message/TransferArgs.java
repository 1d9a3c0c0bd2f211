package io.strata.protocol.message;

/**
 * Arguments of {@code image.push} and {@code image.pull}.
 *
 * @param image push: the local image; pull: the image on the other host ({@code name[:tag]}, id or
 *     unique id prefix)
 * @param host the other stratad, {@code HOST:PORT}
 * @param token the other stratad's token, or null when it needs none
 */
public record TransferArgs(String image, String host, String token) {}

package io.strata.protocol.message;

/**
 * The answer of a request that acted on one container ({@code container.rm}).
 *
 * @param id the container id
 * @param name its name
 */
public record ContainerReply(String id, String name) {}

package io.strata.protocol.message;

/**
 * Arguments of the requests about one container ({@code container.inspect}, {@code container.diff},
 * {@code container.export}).
 *
 * @param container the container: its id, a unique id prefix, or its name
 */
public record ContainerArgs(String container) {}

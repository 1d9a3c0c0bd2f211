package io.strata.protocol.message;

/**
 * Arguments of {@code container.commit}.
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param tag the new image's {@code name[:tag]}
 */
public record CommitArgs(String container, String tag) {}

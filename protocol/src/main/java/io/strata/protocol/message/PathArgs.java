package io.strata.protocol.message;

/**
 * Arguments of the requests about one path inside a container ({@code fs.stat}, {@code fs.ls};
 * {@code container.cp-out} and {@code container.cp-in} take them with more).
 *
 * @param container the container: its id, a unique id prefix, or its name
 * @param path an absolute path inside it; volumes and bind mounts are routed to their host
 *     directories
 */
public record PathArgs(String container, String path) {}

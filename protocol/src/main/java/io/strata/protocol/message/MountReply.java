package io.strata.protocol.message;

/**
 * The answer of {@code container.mount} and {@code container.umount}.
 *
 * @param id the container's id
 * @param name its name
 * @param dir the mount point, normalized
 */
public record MountReply(String id, String name, String dir) {}

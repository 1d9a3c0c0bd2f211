package io.strata.protocol.message;

/**
 * Arguments of {@code container.mount} and {@code container.umount}.
 *
 * @param container the container to mount (its id, a unique id prefix, or its name); absent for
 *     {@code container.umount}
 * @param dir an absolute directory on the server's host: the mount point
 */
public record MountArgs(String container, String dir) {}

package io.strata.protocol.message;

/**
 * One volume: the answer of {@code volume.create} and {@code volume.inspect}, a line of {@code
 * volume.ls}.
 *
 * @param name its name (64 hex digits for an anonymous volume)
 * @param mountpoint the directory on the server's host holding its files ({@code
 *     DATA/volumes/NAME/_data})
 * @param inUse whether a container mounts it
 * @param size bytes of the regular files in it
 * @param created when it was made (ISO-8601)
 */
public record VolumeItem(
    String name, String mountpoint, boolean inUse, long size, String created) {}

package io.strata.store.volume;

import java.time.Instant;

/**
 * One volume, as {@code strata volume ls|inspect} show it.
 *
 * @param name its name (64 hex digits for an anonymous volume)
 * @param mountpoint the directory on the server's host that holds its files ({@code
 *     DATA/volumes/NAME/_data})
 * @param inUse whether a container mounts it
 * @param size bytes of the regular files in it
 * @param created when it was made
 */
public record VolumeInfo(
    String name, String mountpoint, boolean inUse, long size, Instant created) {}

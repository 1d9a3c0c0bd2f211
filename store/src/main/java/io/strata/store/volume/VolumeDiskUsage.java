package io.strata.store.volume;

/**
 * The volumes row of {@code strata system df}.
 *
 * @param total volumes
 * @param active volumes a container mounts
 * @param size bytes of the files in all of them
 * @param reclaimable bytes of the files in the unused ones ({@code volume prune} frees them)
 */
public record VolumeDiskUsage(int total, int active, long size, long reclaimable) {}

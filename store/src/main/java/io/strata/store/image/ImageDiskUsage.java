package io.strata.store.image;

/**
 * The images row of {@code strata system df}.
 *
 * @param total images
 * @param active images a container uses
 * @param size pack bytes of every chunk some image uses
 * @param reclaimable pack bytes only unused images use: what removing them would free
 */
public record ImageDiskUsage(int total, int active, long size, long reclaimable) {}

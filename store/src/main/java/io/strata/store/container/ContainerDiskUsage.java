package io.strata.store.container;

/**
 * The containers row of {@code strata system df}. Strata runs nothing, so no container is active in
 * Docker's sense (running) and every writable layer is reclaimable by removing its container.
 *
 * @param total containers
 * @param active running containers: always 0
 * @param size bytes the writable layers hold exclusively
 * @param reclaimable pack bytes removing the inactive containers and a gc frees: the chunks only
 *     their writable layers reference, whatever a commit, an image or a volume shares
 */
public record ContainerDiskUsage(int total, int active, long size, long reclaimable) {}

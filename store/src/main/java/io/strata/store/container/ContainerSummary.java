package io.strata.store.container;

/**
 * One row of {@code strata ps}.
 *
 * @param id the container id
 * @param name its name
 * @param image the image reference it was created from
 * @param imageId the image's id
 * @param created when it was created (ISO-8601)
 * @param size bytes written into its writable layer, as docker's SizeRw: every file's data it added
 *     or changed, whether or not the store held equal bytes already
 * @param virtualSize {@code size} plus the image's size: the logical size of its file system
 * @param exclusiveSize stored (deduplicated, compressed) bytes only its writable layer holds: what
 *     removing it frees
 */
public record ContainerSummary(
    String id,
    String name,
    String image,
    String imageId,
    String created,
    long size,
    long virtualSize,
    long exclusiveSize) {}

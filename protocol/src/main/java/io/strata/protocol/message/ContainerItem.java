package io.strata.protocol.message;

/**
 * One line of {@code container.ls}: one container, as {@code strata ps} shows it.
 *
 * @param id the container id
 * @param name its name
 * @param image the image reference it was created from, as the user gave it
 * @param imageId the image's id
 * @param created when it was created (ISO-8601)
 * @param size bytes its writable layer holds exclusively: what removing it frees
 * @param virtualSize {@code size} plus the image's size
 */
public record ContainerItem(
    String id,
    String name,
    String image,
    String imageId,
    String created,
    long size,
    long virtualSize) {}

package io.strata.protocol.message;

/**
 * One line of {@code container.ls}: one container, as {@code strata ps} shows it.
 *
 * @param id the container id
 * @param name its name
 * @param image the image as docker's {@code ps} shows it: the reference it was created from, as the
 *     user gave it, while that still names its image; else the image's short id (the tag was
 *     removed or moved to another image)
 * @param imageId the image's id
 * @param created when it was created (ISO-8601)
 * @param size bytes written into its writable layer (docker's SizeRw): the data of every file it
 *     added or changed, whether or not the store held equal bytes already
 * @param virtualSize {@code size} plus the image's size: its file system's logical size
 * @param exclusiveSize stored bytes only its writable layer holds: what removing it frees.
 *     Required: the protocol's reader refuses an absent number as it refuses a null one, so a
 *     listing from a server before it was added is refused, not read as 0
 */
public record ContainerItem(
    String id,
    String name,
    String image,
    String imageId,
    String created,
    long size,
    long virtualSize,
    long exclusiveSize) {}

package io.strata.protocol.message;

/**
 * One line of {@code image.ls}: one tag of an image (untagged images once, as {@code <none>}).
 * Sizes are pack bytes of the chunks the image's layers use.
 *
 * @param repository the repository
 * @param tag the tag
 * @param id the image id
 * @param size bytes of every chunk the image uses
 * @param sharedSize bytes of those chunks another image uses too
 * @param uniqueSize bytes of those chunks no other image uses
 */
public record ImageItem(
    String repository, String tag, String id, long size, long sharedSize, long uniqueSize) {}

package io.strata.store.image;

/**
 * One row of {@code strata image ls}. Sizes are pack bytes of the chunks the image's layers use
 * (trees and tar-splits), from the reference bitmaps.
 *
 * @param repository the repository, {@code <none>} for an untagged image
 * @param tag the tag, {@code <none>} for an untagged image
 * @param id the image id, {@code sha256:} of its config
 * @param size bytes of every chunk the image uses
 * @param sharedSize bytes of those chunks another image uses too
 * @param uniqueSize bytes of those chunks no other image uses
 */
public record ImageSummary(
    String repository, String tag, String id, long size, long sharedSize, long uniqueSize) {}

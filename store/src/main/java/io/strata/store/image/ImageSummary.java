package io.strata.store.image;

import java.util.Map;

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
 * @param created when the image was made (RFC 3339), as {@code inspect}'s {@code Created}; null
 *     when unknown (for {@code images --filter before=/since=})
 * @param labels its config's labels (for {@code images --filter label=})
 */
public record ImageSummary(
    String repository,
    String tag,
    String id,
    long size,
    long sharedSize,
    long uniqueSize,
    String created,
    Map<String, String> labels) {
  public ImageSummary {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** A row without time or labels. */
  public ImageSummary(
      String repository, String tag, String id, long size, long sharedSize, long uniqueSize) {
    this(repository, tag, id, size, sharedSize, uniqueSize, null, null);
  }
}

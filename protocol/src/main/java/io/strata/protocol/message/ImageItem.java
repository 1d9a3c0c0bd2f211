package io.strata.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

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
 * @param created when the image was made (RFC 3339), as {@code inspect}'s {@code Created}; null
 *     when unknown, and from older servers, which do not send it
 * @param labels the labels of the image's config; null from older servers
 */
public record ImageItem(
    String repository,
    String tag,
    String id,
    long size,
    long sharedSize,
    long uniqueSize,
    @JsonInclude(JsonInclude.Include.NON_NULL) String created,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels) {
  /** A row without time or labels, as older servers send it. */
  public ImageItem(
      String repository, String tag, String id, long size, long sharedSize, long uniqueSize) {
    this(repository, tag, id, size, sharedSize, uniqueSize, null, null);
  }
}

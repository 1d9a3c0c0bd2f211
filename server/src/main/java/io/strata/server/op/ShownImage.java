package io.strata.server.op;

import io.strata.store.error.StrataException;
import io.strata.store.image.ImageStore;

/**
 * The IMAGE of a container as docker's {@code ps} shows it: the name it was created with while that
 * name still names the container's image, else the image's short id, since a tag that was removed
 * or moved to another image would name an image the container does not use.
 */
final class ShownImage {
  private ShownImage() {}

  /**
   * {@code given} (the reference the container was created with) if it still resolves to {@code
   * imageId}, else the first 12 hex digits of {@code imageId}.
   */
  static String of(ImageStore images, String given, String imageId) {
    if (given != null && !given.isEmpty()) {
      try {
        if (images.resolve(given).equals(imageId)) {
          return given;
        }
      } catch (StrataException e) {
        // the name is gone (or now ambiguous): the id is what still names the image
      }
    }
    String hex = imageId.startsWith("sha256:") ? imageId.substring(7) : imageId;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}

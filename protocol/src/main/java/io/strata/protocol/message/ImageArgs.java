package io.strata.protocol.message;

/**
 * Arguments of the requests about one image ({@code image.history|inspect|rm}).
 *
 * @param image {@code name[:tag]}, an id, or a unique prefix of at least 4 hex digits of one
 * @param force {@code rmi -f} (image.rm only): remove an image by id even when it is referenced in
 *     several repositories; left out, false
 */
public record ImageArgs(
    String image,
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Boolean force) {
  /** The arguments of a request that takes no flags. */
  public ImageArgs(String image) {
    this(image, null);
  }

  /** Whether {@code -f} was given. */
  public boolean forced() {
    return Boolean.TRUE.equals(force);
  }
}

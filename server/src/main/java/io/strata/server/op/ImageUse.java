package io.strata.server.op;

/**
 * Tells whether a container uses an image, so that {@code image.rm} refuses it and {@code
 * system.df} counts it as active. The container service supplies it; a server without containers
 * uses {@link #NONE}.
 */
@FunctionalInterface
public interface ImageUse {
  /** No image is in use. */
  ImageUse NONE = imageId -> false;

  /** Whether a container uses the image with id {@code imageId}. */
  boolean inUse(String imageId);
}

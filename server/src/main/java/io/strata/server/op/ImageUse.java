package io.strata.server.op;

/**
 * Tells whether a container uses an image, so that {@code image.rm} refuses it. The container store
 * supplies it ({@code ContainerStore::usesImage}).
 */
@FunctionalInterface
interface ImageUse {
  /** Whether a container uses the image with id {@code imageId}. */
  boolean inUse(String imageId);
}

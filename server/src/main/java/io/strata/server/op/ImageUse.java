package io.strata.server.op;

import java.util.List;

/**
 * Tells which containers use an image, so that {@code image.rm} refuses it naming them. The
 * container store supplies it ({@code ContainerStore::imageUsers}).
 */
@FunctionalInterface
interface ImageUse {
  /**
   * The containers that use the image with id {@code imageId}, each as {@code container NAME
   * (ID12)}; empty when none does.
   */
  List<String> users(String imageId);

  /** Whether a container uses the image with id {@code imageId}. */
  default boolean inUse(String imageId) {
    return !users(imageId).isEmpty();
  }
}

package io.strata.store.image;

import java.util.List;

/**
 * What an import or build stored.
 *
 * @param images the images, each with its tags and layers
 */
public record ImportResult(List<Image> images) {
  public ImportResult {
    images = List.copyOf(images);
  }

  /**
   * One image.
   *
   * @param id its id
   * @param tags the tags it was given
   * @param layers its layers, bottom first
   */
  public record Image(String id, List<String> tags, List<Layer> layers) {
    public Image {
      tags = List.copyOf(tags);
      layers = List.copyOf(layers);
    }
  }

  /**
   * One layer.
   *
   * @param diffId its diff_id
   * @param chainId its chain id
   * @param reused whether the store had it already (then nothing was applied)
   */
  public record Layer(String diffId, String chainId, boolean reused) {}
}

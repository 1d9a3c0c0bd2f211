package io.strata.protocol.message;

import java.util.List;

/**
 * What an {@code image.import} or {@code image.build} stored.
 *
 * @param images the images, each with its tags and layers
 */
public record ImportReply(List<Image> images) {
  public ImportReply {
    images = images == null ? List.of() : List.copyOf(images);
  }

  /**
   * One image stored.
   *
   * @param id its id, {@code sha256:} of its config
   * @param tags the tags it was given
   * @param layers its layers, bottom first
   */
  public record Image(String id, List<String> tags, List<Layer> layers) {
    public Image {
      tags = tags == null ? List.of() : List.copyOf(tags);
      layers = layers == null ? List.of() : List.copyOf(layers);
    }
  }

  /**
   * One layer of an image stored.
   *
   * @param diffId its diff_id
   * @param chainId its chain id
   * @param reused whether the store had it already, so that nothing was applied
   */
  public record Layer(String diffId, String chainId, boolean reused) {}
}

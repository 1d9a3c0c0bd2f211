package io.strata.store.image;

import io.strata.store.digest.Digest;
import java.util.Base64;
import java.util.List;

/**
 * What is kept of one image, as the JSON payload of its root {@code img/image/<id hex>}. The config
 * is kept byte for byte, since the image id is its digest.
 *
 * @param id {@code sha256:} of the config
 * @param config the OCI image config, base64
 * @param layers the chain ids of its layers, bottom first
 */
record ImageRecord(String id, String config, List<String> layers) {
  static final String PREFIX = "img/image/";

  ImageRecord {
    layers = List.copyOf(layers);
  }

  static ImageRecord of(byte[] config, List<String> layers) {
    return new ImageRecord(
        Digest.sha256(config, 0, config.length).toString(),
        Base64.getEncoder().encodeToString(config),
        layers);
  }

  byte[] configBytes() {
    return Base64.getDecoder().decode(config);
  }

  static String rootName(String id) {
    return PREFIX + id.substring(id.indexOf(':') + 1);
  }
}

package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.layer.LayerBlob;
import java.util.Base64;
import java.util.List;

/**
 * What is kept of one image, as the JSON payload of its root {@code img/image/<id hex>}. The config
 * is kept byte for byte, since the image id is its digest; so is the manifest it arrived with, when
 * every layer blob of it can be given back byte for byte (an export then keeps every digest).
 *
 * @param id {@code sha256:} of the config
 * @param config the OCI image config, base64
 * @param layers the chain ids of its layers, bottom first
 * @param manifest the manifest it was imported with, base64; null when it had none (built,
 *     committed, a docker-archive) or a layer blob could not be kept reproducible
 * @param manifestType that manifest's media type
 * @param blobs for that manifest, how each layer blob is given back, bottom first
 */
record ImageRecord(
    String id,
    String config,
    List<String> layers,
    String manifest,
    String manifestType,
    List<LayerBlob> blobs) {
  static final String PREFIX = "img/image/";

  ImageRecord {
    layers = List.copyOf(layers);
    blobs = blobs == null ? null : List.copyOf(blobs);
  }

  static ImageRecord of(byte[] config, List<String> layers) {
    return new ImageRecord(
        Digest.sha256(config, 0, config.length).toString(),
        Base64.getEncoder().encodeToString(config),
        layers,
        null,
        null,
        null);
  }

  /** This image with the manifest it arrived with and how its layer blobs come back. */
  ImageRecord withManifest(byte[] body, String type, List<LayerBlob> layerBlobs) {
    return new ImageRecord(
        id, config, layers, Base64.getEncoder().encodeToString(body), type, layerBlobs);
  }

  /** The manifest it arrived with and how its layer blobs come back, or null. */
  ArrivedAs arrivedAs() {
    return manifest == null ? null : new ArrivedAs(manifestBytes(), manifestType, blobs);
  }

  /** The manifest it arrived with, or null. */
  byte[] manifestBytes() {
    return manifest == null ? null : Base64.getDecoder().decode(manifest);
  }

  byte[] configBytes() {
    return Base64.getDecoder().decode(config);
  }

  static String rootName(String id) {
    return PREFIX + id.substring(id.indexOf(':') + 1);
  }
}

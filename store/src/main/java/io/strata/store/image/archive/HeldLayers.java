package io.strata.store.image.archive;

import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerRecord;

/**
 * Layers a pull need not fetch: the store holds the layer and knows how to give back the very
 * compressed blob a manifest names for it (an image of the store arrived with that blob), as
 * Docker's pull says "Already exists" for a layer whose compressed digest it has seen. The client
 * asks before it downloads ({@code image.held}) and leaves those blobs out of the layout it sends;
 * the import takes them from here.
 */
@FunctionalInterface
public interface HeldLayers {
  /** The layer of chain {@code chainId} with how blob {@code digest} over it comes back. */
  record Held(LayerRecord layer, LayerBlob blob) {}

  /**
   * The layer of chain {@code chainId} (whose top diff_id is {@code diffId}) and how layer blob
   * {@code digest} over it comes back byte for byte; null unless the store holds both, undamaged.
   */
  Held find(String chainId, String diffId, String digest);
}

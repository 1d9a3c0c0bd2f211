package io.strata.store.image;

import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.ref.Root;
import java.util.HashSet;
import java.util.Set;

/**
 * The layer blobs images rely on as Strata blobs ({@link LayerBlob#BLOB}: kept whole because no
 * recipe reproduces them), which an export reads from the blob's root. Whoever removes blob roots
 * of its own (the registry, releasing the blobs no repository links) must leave these.
 */
public final class WholeLayerBlobs {
  private WholeLayerBlobs() {}

  /** Whether {@code change} removes an image record (and with it, maybe, a use of a blob). */
  public static boolean removesAnImage(io.strata.store.ref.RootChange change) {
    return change instanceof io.strata.store.ref.RootChange.Remove
        && change.name().startsWith(ImageRecord.PREFIX);
  }

  /** The hex digests of every layer blob an image of {@code chunks} names in form {@code blob}. */
  public static Set<String> named(ChunkStore chunks) {
    Set<String> out = new HashSet<>();
    for (Root r : chunks.roots(ImageRecord.PREFIX)) {
      out.addAll(
          JsonCodec.read(r.payload(), ImageRecord.class, r.name()).layerBlobs(LayerBlob.BLOB));
    }
    return out;
  }
}

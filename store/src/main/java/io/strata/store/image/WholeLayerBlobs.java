package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.ref.Root;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The layer blobs images rely on as Strata blobs ({@link LayerBlob#BLOB}: kept whole because no
 * recipe reproduces them), which an export reads from the blob's root. Whoever removes blob roots
 * of its own (the registry, releasing the blobs no repository links) must leave these, and a user's
 * {@code strata blob rm} of one is refused ({@link #refuseRemoval}).
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

  /**
   * Refuses, with a {@link ConflictException} naming the images, the removal of blob {@code d}
   * while an image keeps it whole as a layer: its export (save, push, a pull by name) reads the
   * layer from that blob, and would fail once it is gone, while the image's chunks stay anyway.
   */
  public static void refuseRemoval(ChunkStore chunks, Digest d) {
    Set<String> ids = new TreeSet<>();
    for (Root r : chunks.roots(ImageRecord.PREFIX)) {
      ImageRecord im = JsonCodec.read(r.payload(), ImageRecord.class, r.name());
      if (im.layerBlobs(LayerBlob.BLOB).contains(d.hex())) {
        ids.add(im.id());
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    Set<String> names = new TreeSet<>();
    Set<String> untagged = new TreeSet<>(ids);
    for (Root t : chunks.roots(ImageRecords.TAG_PREFIX)) {
      String id = new String(t.payload(), StandardCharsets.US_ASCII);
      if (ids.contains(id)) {
        names.add(t.name().substring(ImageRecords.TAG_PREFIX.length()));
        untagged.remove(id);
      }
    }
    for (String id : untagged) {
      String hex = id.substring(id.indexOf(':') + 1);
      names.add(hex.substring(0, Math.min(12, hex.length())));
    }
    String first = names.iterator().next();
    throw new ConflictException(
        "blob "
            + d
            + ": image "
            + String.join(", ", names)
            + (names.size() == 1 ? " keeps" : " keep")
            + " it whole as a layer (no recipe reproduces it); remove "
            + (names.size() == 1 ? "the image" : "the images")
            + " first (strata rmi "
            + first
            + ")");
  }
}

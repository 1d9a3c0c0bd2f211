package io.strata.store.image;

import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The roots a pull through a registry's chunk index keeps, one per pulled layer blob ({@code
 * reg/pulled/<blob hex>}, written by {@code store.hosts.RegistryChunkPull}): the chunks of the
 * layer's uncompressed tar, so that the next version of the layer finds its unchanged tar headers
 * here and does not fetch them. They belong to the images that arrived with that layer blob: when
 * the last image whose manifest names the blob goes, so does the root, and a gc frees what no image
 * holds (the headers, mostly).
 */
public final class PulledLayers {
  /** The prefix of those roots; the rest of the name is the layer blob's hex digest. */
  public static final String PREFIX = "reg/pulled/";

  private PulledLayers() {}

  /**
   * The removals of every pulled-layer root no image of {@code remaining} names in the manifest it
   * arrived with: the layers of an image being removed, and any a pull left behind when its image
   * was removed before the pull recorded the root.
   */
  static List<RootChange> unused(ChunkStore chunks, Collection<ImageRecord> remaining) {
    List<Root> roots = chunks.roots(PREFIX);
    if (roots.isEmpty()) {
      return List.of();
    }
    Set<String> named = new HashSet<>();
    for (ImageRecord im : remaining) {
      named.addAll(im.layerBlobs(null));
    }
    List<RootChange> out = new ArrayList<>();
    for (Root r : roots) {
      if (!named.contains(r.name().substring(PREFIX.length()))) {
        out.add(new RootChange.Remove(r.name()));
      }
    }
    return out;
  }
}

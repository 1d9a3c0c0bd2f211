package io.strata.store.image;

import io.strata.store.driver.Snapshot;
import io.strata.store.image.layer.LayerRecord;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The roots of this store that {@code image prune -a} takes: those of the images no container uses,
 * and the layers (records, snapshots, pulled layer blobs) only they use, as an image removal takes
 * them (ImageRemovals). The registry's part of such a removal is for the caller to say: the image
 * store does not know the registry.
 */
final class PrunedImageRoots implements Predicate<String> {
  private final Set<String> ids = new HashSet<>();
  private final Set<String> roots = new HashSet<>();

  PrunedImageRoots(Map<String, ImageRecord> images, Predicate<String> inUse) {
    Set<String> keptLayers = new HashSet<>();
    Set<String> keptBlobs = new HashSet<>();
    for (ImageRecord im : images.values()) {
      if (inUse.test(im.id())) {
        keptLayers.addAll(im.layers());
        keptBlobs.addAll(im.layerBlobs(null));
      } else {
        ids.add(im.id());
      }
    }
    for (String id : ids) {
      ImageRecord im = images.get(id);
      roots.add(ImageRecord.rootName(id));
      for (String chain : im.layers()) {
        if (!keptLayers.contains(chain)) {
          roots.add(LayerRecord.rootName(chain));
          roots.add(Snapshot.rootName(chain));
        }
      }
      for (String blob : im.layerBlobs(null)) {
        if (!keptBlobs.contains(blob)) {
          roots.add(PulledLayers.PREFIX + blob);
        }
      }
    }
  }

  /** The ids of the images pruned. */
  Set<String> images() {
    return ids;
  }

  @Override
  public boolean test(String root) {
    return roots.contains(root);
  }
}

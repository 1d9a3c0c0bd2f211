package io.strata.store.image;

import io.strata.store.driver.Snapshot;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.Root;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a user calls each root the image store keeps, for fsck to say what damage affects (SPEC §2
 * "fsck"): the chunk store knows its roots by name ({@code img/layer/<hex>}, {@code
 * snap/sha256:<chain>}), the user knows images by tag. An image is named by each of its tags, by
 * its short id when it has none; a layer by every image it is part of, by its chain id when no
 * image uses it any more; a layer an import is making as such. The caller holds {@link
 * ImageStore}'s lock.
 */
final class ImageRootNames {
  private final Map<String, TreeSet<String>> names = new TreeMap<>();

  private ImageRootNames() {}

  /** Root name → the names a user knows it by, sorted. */
  static Map<String, List<String>> of(ChunkStore chunks, ImageRecords records, LayerStore layers) {
    ImageRootNames n = new ImageRootNames();
    Map<String, List<String>> tagsOf = new TreeMap<>();
    records
        .tagged()
        .forEach(
            (tag, id) -> {
              tagsOf.computeIfAbsent(id, k -> new ArrayList<>()).add(tag);
              n.add(ImageRecords.TAG_PREFIX + tag, List.of(image(tag)));
            });
    records
        .catalogued()
        .forEach((tag, id) -> n.add(ImageRecords.CATALOGUED_PREFIX + tag, List.of(image(tag))));
    for (ImageRecord im : records.images().values()) {
      List<String> names = new ArrayList<>();
      for (String tag : tagsOf.getOrDefault(im.id(), List.of())) {
        names.add(image(tag));
      }
      if (names.isEmpty()) {
        names.add(image(shortId(im.id())));
      }
      n.add(ImageRecord.rootName(im.id()), names);
      for (String chain : im.layers()) {
        n.add(LayerRecord.rootName(chain), names);
        n.add(Snapshot.rootName(chain), names);
      }
      for (String blob : im.layerBlobs(null)) {
        n.add(PulledLayers.PREFIX + blob, names);
      }
    }
    // What no image names any more: a layer the build cache keeps, the snapshot of a removed layer
    // another snapshot still holds, the chunks a pull kept of a layer blob, a layer an import is
    // still making.
    String snapshots = Snapshot.rootName("");
    for (String chain : layers.all().keySet()) {
      n.addIfNone(LayerRecord.rootName(chain), "layer " + chain);
    }
    for (Root r : chunks.roots(Snapshot.rootName("sha256:"))) {
      n.addIfNone(r.name(), "layer " + r.name().substring(snapshots.length()));
    }
    for (Root r : chunks.roots(PulledLayers.PREFIX)) {
      String blob = r.name().substring(PulledLayers.PREFIX.length());
      n.addIfNone(r.name(), "layer blob sha256:" + blob);
    }
    for (Root r : chunks.roots(Snapshot.rootName(LayerStore.TMP))) {
      String key = r.name().substring(snapshots.length());
      n.addIfNone(r.name(), "a layer being imported (snapshot " + key + ")");
    }
    Map<String, List<String>> out = new TreeMap<>();
    n.names.forEach((root, names) -> out.put(root, List.copyOf(names)));
    return out;
  }

  private static String image(String name) {
    return "image " + name;
  }

  /** The 12 hex digits {@code strata image ls} shows of an image id. */
  private static String shortId(String id) {
    String hex = id.substring(id.indexOf(':') + 1);
    return hex.substring(0, Math.min(12, hex.length()));
  }

  private void add(String root, List<String> more) {
    names.computeIfAbsent(root, k -> new TreeSet<>()).addAll(more);
  }

  private void addIfNone(String root, String name) {
    names.computeIfAbsent(root, k -> new TreeSet<>(List.of(name)));
  }
}

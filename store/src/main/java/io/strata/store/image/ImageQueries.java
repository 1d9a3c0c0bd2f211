package io.strata.store.image;

import io.strata.store.disk.RemovalSpace;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.roaringbitmap.RoaringBitmap;

/**
 * What {@code strata image ls}, {@code history}, {@code inspect} and {@code system df} show, worked
 * out from the image records and the chunks their layers use. The caller holds {@link ImageStore}'s
 * lock.
 */
final class ImageQueries {
  private final ChunkStore chunks;
  private final LayerStore layers;
  private final ImageRecords records;

  ImageQueries(ChunkStore chunks, LayerStore layers, ImageRecords records) {
    this.chunks = chunks;
    this.layers = layers;
    this.records = records;
  }

  /** Every image, one row per tag (untagged images once, as {@code <none>}). */
  List<ImageSummary> list() {
    Map<String, ImageRecord> images = records.images();
    Map<String, RoaringBitmap> sets = new LinkedHashMap<>();
    images.forEach((id, im) -> sets.put(id, chunkSet(im)));
    List<ImageSummary> out = new ArrayList<>();
    Map<String, List<String>> byImage = new TreeMap<>();
    records.tagged().forEach((t, id) -> byImage.computeIfAbsent(id, k -> new ArrayList<>()).add(t));
    for (Map.Entry<String, ImageRecord> e : images.entrySet()) {
      RoaringBitmap mine = sets.get(e.getKey());
      RoaringBitmap others = new RoaringBitmap();
      sets.forEach(
          (id, s) -> {
            if (!id.equals(e.getKey())) {
              others.or(s);
            }
          });
      long size = chunks.storedBytes(mine);
      long shared = chunks.storedBytes(RoaringBitmap.and(mine, others));
      List<String> tags = byImage.getOrDefault(e.getKey(), List.of("<none>:<none>"));
      String created = e.getValue().created();
      Map<String, String> labels = e.getValue().labels();
      for (String t : tags) {
        int c = t.lastIndexOf(':');
        out.add(
            new ImageSummary(
                t.substring(0, c),
                t.substring(c + 1),
                e.getKey(),
                size,
                shared,
                size - shared,
                created,
                labels));
      }
    }
    out.sort(
        (a, b) ->
            a.repository().equals(b.repository())
                ? a.tag().compareTo(b.tag())
                : a.repository().compareTo(b.repository()));
    return out;
  }

  /**
   * Each image's logical size by id: the bytes of its layers' uncompressed tars, the sizes {@code
   * image history} shows. docker's size of an image and the base of a container's virtual size.
   */
  Map<String, Long> logicalSizes() {
    Map<String, Long> out = new java.util.HashMap<>();
    for (ImageRecord im : records.images().values()) {
      long total = 0;
      for (String c : im.layers()) {
        total += layers.get(c).size();
      }
      out.put(im.id(), total);
    }
    return out;
  }

  /** One row per layer, top first. */
  List<HistoryEntry> history(String ref) {
    ImageRecord image = records.image(records.resolve(ref));
    List<String> createdBy =
        ImageConfigs.layerHistory(JsonCodec.object(image.configBytes(), "image config"));
    List<HistoryEntry> out = new ArrayList<>();
    for (int i = image.layers().size() - 1; i >= 0; i--) {
      LayerRecord l = layers.get(image.layers().get(i));
      out.add(new HistoryEntry(l.diffId(), l.size(), i < createdBy.size() ? createdBy.get(i) : ""));
    }
    return out;
  }

  /** What {@code strata image inspect} shows. */
  ImageDetails inspect(String ref) {
    ImageRecord image = records.image(records.resolve(ref));
    List<String> diffIds = new ArrayList<>();
    for (String c : image.layers()) {
      diffIds.add(layers.get(c).diffId());
    }
    List<String> tags = records.tagsOf(image.id());
    List<String> repoDigests = image.repoDigests(tags);
    return new ImageDetails(
        image.id(),
        tags,
        repoDigests,
        diffIds,
        new String(image.configBytes(), StandardCharsets.UTF_8),
        image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1),
        image.created());
  }

  /**
   * The images row of {@code strata system df}; {@code inUse} tells which a container uses, {@code
   * alsoFreed} which other roots go with the unused images (given their ids): the registry's views
   * of them. Reclaimable is what {@code image prune -a} and gc would free: the chunks of the roots
   * the prune takes that no root it leaves references (a registry's pushed manifest, a container, a
   * volume, containerd's content all keep theirs).
   */
  ImageDiskUsage diskUsage(
      Predicate<String> inUse, Function<Set<String>, Predicate<String>> alsoFreed) {
    RoaringBitmap all = new RoaringBitmap();
    int active = 0;
    Map<String, ImageRecord> images = records.images();
    for (ImageRecord im : images.values()) {
      all.or(chunkSet(im));
      if (inUse.test(im.id())) {
        active++;
      }
    }
    PrunedImageRoots pruned = new PrunedImageRoots(images, inUse);
    Predicate<String> registry = alsoFreed.apply(pruned.images());
    RemovalSpace freed = RemovalSpace.of(chunks, pruned.or(registry));
    return new ImageDiskUsage(images.size(), active, chunks.storedBytes(all), freed.reclaimable());
  }

  private RoaringBitmap chunkSet(ImageRecord im) {
    RoaringBitmap s = new RoaringBitmap();
    for (String c : im.layers()) {
      s.or(layers.chunkSet(c));
    }
    return s;
  }
}

package io.strata.store.image;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.archive.ExportedImage;
import io.strata.store.image.build.BuildCache;
import io.strata.store.image.build.ImageBuilder;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * The image and tag roots of a data root ({@code img/image/<id hex>}, {@code img/tag/<tag>}):
 * reading them, resolving a reference, and recording an image with its tags in one commit. The
 * caller holds {@link ImageStore}'s lock.
 *
 * <p>On a node of a fleet, {@code img/catalogued/<tag>} holds what the fleet's catalogue names by
 * the tag as far as this node knows ({@link CataloguedImage}: the image and the manifest the tag
 * exports): the node published it, or made the image from the catalogue's tag (in the commit that
 * records the tag). A tag this node makes or moves drops that mark in its commit, so a tag whose
 * mark is missing or names another image is one this node has not published yet, and a mark without
 * a tag is a removal not yet carried to the catalogue; what a node publishes when it starts is
 * exactly that ({@code io.strata.store.fleet.Catalogue}).
 */
final class ImageRecords {
  static final String TAG_PREFIX = "img/tag/";
  static final String CATALOGUED_PREFIX = "img/catalogued/";

  private final ChunkStore chunks;

  ImageRecords(ChunkStore chunks) {
    this.chunks = chunks;
  }

  void commit(List<RootChange> changes) throws IOException {
    try (WriteSession s = chunks.session()) {
      s.commit(changes);
    }
  }

  ImageRecord image(String id) {
    Root r = chunks.root(ImageRecord.rootName(id));
    if (r == null) {
      throw new NotFoundException("image " + id + " not found");
    }
    return JsonCodec.read(r.payload(), ImageRecord.class, r.name());
  }

  /**
   * The arrival of the image of {@code config} with exactly {@code manifest}, if the store recorded
   * one: that image, its layers and their blobs were made and checked then; else null.
   */
  Arrival arrivalWith(byte[] config, byte[] manifest) {
    if (manifest == null) {
      return null;
    }
    Root r = chunks.root(ImageRecord.rootName(Digest.sha256(config, 0, config.length).toString()));
    if (r == null) {
      return null;
    }
    String digest = Digest.sha256(manifest, 0, manifest.length).toString();
    ImageRecord image = JsonCodec.read(r.payload(), ImageRecord.class, r.name());
    for (Arrival a : image.arrivals()) {
      if (a.digest().equals(digest)) {
        return a;
      }
    }
    return null;
  }

  Map<String, ImageRecord> images() {
    Map<String, ImageRecord> out = new TreeMap<>();
    for (Root r : chunks.roots(ImageRecord.PREFIX)) {
      ImageRecord im = JsonCodec.read(r.payload(), ImageRecord.class, r.name());
      out.put(im.id(), im);
    }
    return out;
  }

  /** Tag → image id. */
  Map<String, String> tagged() {
    Map<String, String> out = new TreeMap<>();
    for (Root r : chunks.roots(TAG_PREFIX)) {
      out.put(
          r.name().substring(TAG_PREFIX.length()),
          new String(r.payload(), StandardCharsets.US_ASCII));
    }
    return out;
  }

  List<String> tagsOf(String id) {
    List<String> out = new ArrayList<>();
    tagged()
        .forEach(
            (t, i) -> {
              if (i.equals(id)) {
                out.add(t);
              }
            });
    return out;
  }

  /**
   * The image id {@code ref} names: a {@code repository[:tag]}, a {@code repository@sha256:...}
   * that the image's {@code RepoDigests} list (a tag of that repository on the image whose manifest
   * has that digest), a full id, or a unique prefix of at least 4 hex digits of one.
   */
  String resolve(String ref) {
    Map<String, String> tags = tagged();
    int at = ref.indexOf('@');
    if (at > 0) {
      String byDigest = byRepoDigest(tags, ref.substring(0, at), ref.substring(at + 1));
      if (byDigest != null) {
        return byDigest;
      }
      throw new NotFoundException("image " + ref + " not found");
    }
    if (!ref.startsWith("sha256:") || ref.length() != 71) {
      try {
        String id = tags.get(ImageRef.parse(ref).toString());
        if (id != null) {
          return id;
        }
      } catch (InvalidArgumentException e) {
        // not a repository:tag; maybe an id
      }
    }
    String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
    if (hex.length() >= 4 && hex.matches("[0-9a-f]+")) {
      List<String> hits = new ArrayList<>();
      for (String id : images().keySet()) {
        if (id.substring(7).startsWith(hex)) {
          hits.add(id);
        }
      }
      if (hits.size() == 1) {
        return hits.get(0);
      }
      if (hits.size() > 1) {
        throw new InvalidArgumentException("image id prefix " + ref + " is ambiguous");
      }
    }
    throw new NotFoundException("image " + ref + " not found");
  }

  /**
   * The image whose {@code RepoDigests} list {@code repository@digest}: pulled by that reference,
   * or tagged in that repository with the manifest of that digest.
   */
  private String byRepoDigest(Map<String, String> tags, String repository, String digest) {
    String ref = repository + "@" + digest;
    Map<String, List<String>> byImage = new TreeMap<>();
    tags.forEach((t, id) -> byImage.computeIfAbsent(id, k -> new ArrayList<>()).add(t));
    for (ImageRecord im : images().values()) {
      if (im.repoDigests(byImage.getOrDefault(im.id(), List.of())).contains(ref)) {
        return im.id();
      }
    }
    return null;
  }

  /** The change that gives image {@code id} the tag {@code tag} (moved if another image had it). */
  static RootChange tag(ImageRef tag, String id) {
    return new RootChange.Put(
        new Root(TAG_PREFIX + tag, 0, id.getBytes(StandardCharsets.US_ASCII), new RoaringBitmap()));
  }

  /**
   * Gives the image {@code src} names the tag {@code dst} (moved if another image had it) in one
   * commit; when {@code src} is a tag that arrived with a manifest, {@code dst} exports that one.
   */
  void tag(String src, ImageRef dst) throws IOException {
    String id = resolve(src);
    ImageRecord image = image(id);
    String from = null;
    try {
      from = ImageRef.parse(src).toString();
    } catch (InvalidArgumentException e) {
      // an id: the new tag exports the latest manifest
    }
    List<String> live = new ArrayList<>(tagsOf(id));
    live.add(dst.toString());
    ImageRecord next = image.tagging(from, dst.toString(), live);
    List<RootChange> changes = new ArrayList<>();
    if (!next.equals(image)) {
      changes.add(put(next));
    }
    changes.add(tag(dst, id));
    changes.addAll(unmark(List.of(dst)));
    commit(changes);
  }

  /**
   * The changes that drop the catalogue marks of {@code tags} that have one: this node made them
   * anew, so they are its to publish.
   */
  private List<RootChange> unmark(List<ImageRef> tags) {
    List<RootChange> out = new ArrayList<>();
    for (ImageRef t : tags) {
      if (chunks.root(CATALOGUED_PREFIX + t) != null) {
        out.add(new RootChange.Remove(CATALOGUED_PREFIX + t));
      }
    }
    return out;
  }

  /** The change that marks {@code tag} as naming {@code image} in the fleet's catalogue. */
  static RootChange mark(String tag, CataloguedImage image) {
    return new RootChange.Put(
        new Root(CATALOGUED_PREFIX + tag, 0, image.text(), new RoaringBitmap()));
  }

  /** What the catalogue mark of {@code tag} names, or null. */
  CataloguedImage catalogued(String tag) {
    Root r = chunks.root(CATALOGUED_PREFIX + tag);
    return r == null ? null : CataloguedImage.parse(r.payload(), r.name());
  }

  /** Tag → what the catalogue names by it, as the marks have them. */
  Map<String, CataloguedImage> catalogued() {
    Map<String, CataloguedImage> out = new TreeMap<>();
    for (Root r : chunks.roots(CATALOGUED_PREFIX)) {
      out.put(
          r.name().substring(CATALOGUED_PREFIX.length()),
          CataloguedImage.parse(r.payload(), r.name()));
    }
    return out;
  }

  private static CataloguedImage asCatalogued(ImageRecord image, String tag) {
    Arrival a = image.arrivalFor(tag);
    return new CataloguedImage(image.id(), a == null ? null : a.digest());
  }

  static RootChange put(ImageRecord image) {
    return new RootChange.Put(
        new Root(ImageRecord.rootName(image.id()), 0, JsonCodec.bytes(image), new RoaringBitmap()));
  }

  /**
   * Records an image and its tags in one commit; with {@code arrived} (null: none, as a build or a
   * docker-archive makes it) its tags export that manifest and its layer blobs unchanged, and
   * {@code pulledAs} ({@code REPOSITORY@sha256:...}, null: none) is the reference a pull named it
   * by, when that is not the manifest's own digest. With {@code fromCatalogue} the tags are the
   * fleet catalogue's, marked so in the same commit; otherwise this node made them and their marks
   * go. Returns what was stored.
   */
  ImportResult record(
      byte[] config,
      List<LayerStore.Result> imageLayers,
      List<ImageRef> tags,
      ArrivedAs arrived,
      String pulledAs,
      boolean fromCatalogue)
      throws IOException {
    List<String> chain = new ArrayList<>();
    List<ImportResult.Layer> out = new ArrayList<>();
    for (LayerStore.Result r : imageLayers) {
      chain.add(r.layer().chainId());
      out.add(new ImportResult.Layer(r.layer().diffId(), r.layer().chainId(), r.reused()));
    }
    ImageRecord image = ImageRecord.of(config, chain);
    Root earlier = chunks.root(ImageRecord.rootName(image.id()));
    if (earlier != null) {
      ImageRecord e = JsonCodec.read(earlier.payload(), ImageRecord.class, earlier.name());
      if (e.layers().equals(chain)) {
        image = e;
      }
    }
    List<String> names = tags.stream().map(ImageRef::toString).toList();
    Set<String> live = new HashSet<>(tagsOf(image.id()));
    live.addAll(names);
    image = image.arriving(arrived, names, pulledAs, live);
    List<RootChange> changes = new ArrayList<>();
    changes.add(put(image));
    for (ImageRef t : tags) {
      changes.add(tag(t, image.id()));
      if (fromCatalogue) {
        // marked as what this node now exports by the tag (the catalogue's manifest, unless a
        // blob of it could not be kept): what it made is the catalogue's, not to publish back
        changes.add(mark(t.toString(), asCatalogued(image, t.toString())));
      }
    }
    if (!fromCatalogue) {
      changes.addAll(unmark(tags));
    }
    commit(changes);
    return new ImportResult(List.of(new ImportResult.Image(image.id(), names, out)));
  }

  /**
   * What removing image {@code id}, tagged {@code tags}, takes: the changes of one commit (its
   * tags, its record, the build cache's entries of the layers that go, the {@link PulledLayers}
   * roots no other image names) and those layers, the ones no other image uses and no build cache
   * entry that stays builds on, top down. A multi-stage build's cache keeps the layers of a stage
   * no image has, over the base image's layers: removing the base took those from under them, and
   * their snapshots, which had children, stayed without a record, so the same base could never be
   * imported again ("snapshot … exists already", docs/ADVERSARIAL.md, AG1).
   */
  Removal removal(String id, List<String> tags, LayerStore layerStore) {
    ImageRecord image = image(id);
    List<RootChange> changes = new ArrayList<>();
    for (String t : tags) {
      changes.add(new RootChange.Remove(TAG_PREFIX + t));
    }
    changes.add(new RootChange.Remove(ImageRecord.rootName(id)));
    Set<String> stillUsed = new HashSet<>();
    List<ImageRecord> others = new ArrayList<>();
    images()
        .forEach(
            (other, im) -> {
              if (!other.equals(id)) {
                stillUsed.addAll(im.layers());
                others.add(im);
              }
            });
    // the chunks a registry pull kept for the image's layer blobs go with the last image of them
    changes.addAll(PulledLayers.unused(chunks, others));
    List<String> doomed = new ArrayList<>();
    for (int i = image.layers().size() - 1; i >= 0; i--) {
      String c = image.layers().get(i);
      if (!stillUsed.contains(c) && !doomed.contains(c)) {
        doomed.add(c);
      }
    }
    // the cache's entries of other layers stay, and with them every layer under theirs
    Set<String> underKept = new HashSet<>();
    Map<String, LayerRecord> all = layerStore.all();
    for (String top : BuildCache.layers(chunks)) {
      if (doomed.contains(top)) {
        continue; // its entry goes with it
      }
      for (String c = top; c != null && underKept.add(c); ) {
        LayerRecord l = all.get(c);
        c = l == null ? null : l.parent();
      }
    }
    doomed.removeIf(underKept::contains);
    changes.addAll(BuildCache.forget(chunks, doomed));
    return new Removal(changes, doomed);
  }

  /**
   * The removal of an image.
   *
   * @param changes the root changes, for one commit
   * @param layers the layers that go, top down, once the changes are committed
   */
  record Removal(List<RootChange> changes, List<String> layers) {}

  /**
   * Image {@code ref} as an export writes it, its layers' records from {@code layers}: with the
   * manifest {@code ref} names (a tag's, or the one of a {@code REPOSITORY@DIGEST}), else the
   * latest it arrived with.
   */
  ExportedImage exported(String ref, LayerStore layers) {
    ImageRecord image = image(resolve(ref));
    List<LayerRecord> ls = new ArrayList<>();
    for (String c : image.layers()) {
      ls.add(layers.get(c));
    }
    String tag = exportTag(tagsOf(image.id()), ref);
    Arrival arrival = arrivalOf(image, ref);
    return new ExportedImage(
        image.id(), image.configBytes(), arrival == null ? null : arrival.arrivedAs(), ls, tag);
  }

  /**
   * The manifest image {@code image} goes out with when named {@code ref}, by an export or a
   * transfer alike (so both hosts export the same): the one a {@code REPOSITORY@DIGEST} names, a
   * tag's, by id the first tag's (the tag an export names it by), else the latest; null for none.
   */
  Arrival arrivalOf(ImageRecord image, String ref) {
    int at = ref.indexOf('@');
    if (at > 0) {
      return image.arrivalByDigest(ref, ref.substring(at + 1));
    }
    String tag = exportTag(tagsOf(image.id()), ref);
    return tag != null ? image.arrivalFor(tag) : image.latest();
  }

  /** The tag an export names the image by: the one asked for, else its first, else none. */
  private static String exportTag(List<String> tags, String asked) {
    if (tags.contains(asked)) {
      return asked;
    }
    try {
      String t = ImageRef.parse(asked).toString();
      if (tags.contains(t)) {
        return t;
      }
    } catch (RuntimeException e) {
      // asked by id or digest
    }
    return tags.isEmpty() ? null : tags.get(0);
  }

  /**
   * The name a transfer plan of {@code ref} (image {@code id}) gives: the tag, or a {@code
   * REPOSITORY@DIGEST} reference as given (the receiver keeps it among the image's RepoDigests),
   * else none.
   */
  String transferName(String ref, String id) {
    if (ref.indexOf('@') > 0) {
      return ImageRef.digestReference(ref);
    }
    try {
      String tag = ImageRef.parse(ref).toString();
      if (id.equals(tagged().get(tag))) {
        return tag;
      }
    } catch (InvalidArgumentException e) {
      // an id: no name travels
    }
    return "";
  }

  /** Image {@code ref} as a build reads it, for {@code FROM} or {@code COPY --from}. */
  ImageBuilder.Base base(String ref) {
    String id = resolve(ref);
    ImageRecord image = image(id);
    return new ImageBuilder.Base(id, image.configBytes(), image.layers());
  }

  /** The layers images use. */
  Set<String> imageLayers() {
    Set<String> used = new HashSet<>();
    images().values().forEach(im -> used.addAll(im.layers()));
    return used;
  }

  /** Layers images use, plus those the build cache holds and their parents. */
  Set<String> liveLayers(LayerStore layers) {
    Set<String> live = imageLayers();
    Map<String, LayerRecord> all = layers.all();
    for (String top : BuildCache.layers(chunks)) {
      String c = top;
      while (c != null && live.add(c)) {
        LayerRecord l = all.get(c);
        c = l == null ? null : l.parent();
      }
    }
    return live;
  }
}

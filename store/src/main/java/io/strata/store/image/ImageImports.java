package io.strata.store.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.archive.ArchiveImages;
import io.strata.store.image.archive.ArchiveImport;
import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.archive.HeldLayers;
import io.strata.store.image.archive.TransferredArrival;
import io.strata.store.image.build.ImageBuilder;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.transfer.TransferPlan;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The work of each kind of import once {@link ImageStore} holds its write lock: make the layers,
 * record the image and its tags in one commit, and remove the layers it made if anything fails, so
 * that a refused import leaves the store as it was.
 */
final class ImageImports {
  /** Makes the one layer of a single-layer import. */
  interface LayerImport {
    LayerStore.Result run() throws IOException;
  }

  private final LayerStore layers;
  private final ImageRecords records;
  private final TransferPlans plans;
  private final BlobService blobs;
  private final ChunkStore chunks;

  ImageImports(
      LayerStore layers,
      ImageRecords records,
      TransferPlans plans,
      BlobService blobs,
      ChunkStore chunks) {
    this.layers = layers;
    this.chunks = chunks;
    this.records = records;
    this.plans = plans;
    this.blobs = blobs;
  }

  /** An image of the one layer {@code layer} makes, tagged {@code ref} (null: untagged). */
  ImportResult singleLayer(LayerImport layer, ImageRef ref) throws IOException {
    LayerStore.Result r = layer.run();
    try {
      ObjectNode config = ImageConfigs.empty();
      ImageConfigs.addLayer(config, r.layer().diffId(), "strata image import", false);
      return records.record(
          JsonCodec.bytes(config),
          List.of(r),
          ref == null ? List.of() : List.of(ref),
          null,
          null,
          false);
    } catch (RuntimeException | IOException e) {
      layers.rollBack(r.reused() ? List.of() : List.of(r.layer().chainId()));
      throw e;
    }
  }

  /**
   * The images {@code found} in {@code archive}, each tagged as the archive tags it or, with {@code
   * override}, with that tag alone, and pulled as {@code pulledAs} (see {@link
   * ImageStore#importPath(String, String, String)}). Nothing is recorded and nothing stays if any
   * image fails.
   */
  ImportResult archive(
      ArchiveImport archive, List<ArchiveImages.Image> found, ImageRef override, String pulledAs)
      throws IOException {
    try {
      List<ImportResult.Image> out = new ArrayList<>();
      for (ArchiveImages.Image image : found) {
        List<ImageRef> tags =
            override != null
                ? List.of(override)
                : image.tags().stream().map(ImageRef::parse).toList();
        Arrival same = records.arrivalWith(image.config(), image.manifest());
        if (same != null && intact(image.config(), same.arrivedAs())) {
          // The same manifest again (a retag, a push of it under another tag): its layers are
          // here and were checked when it came; reading them back cost seconds per GiB of them.
          List<LayerStore.Result> kept = new ArrayList<>();
          for (String chainId : records.image(imageId(image.config())).layers()) {
            kept.add(new LayerStore.Result(layers.get(chainId), true));
          }
          out.addAll(
              records
                  .record(image.config(), kept, tags, same.arrivedAs(), pulledAs, false)
                  .images());
          continue;
        }
        ArchiveImport.Layers made = archive.layers(image);
        out.addAll(
            records
                .record(image.config(), made.layers(), tags, made.arrived(), pulledAs, false)
                .images());
      }
      return new ImportResult(out);
    } catch (RuntimeException | IOException e) {
      archive.undo();
      throw e;
    }
  }

  /**
   * Whether the image of {@code config}, which arrived as {@code arrived} before, holds no chunk
   * known damaged in its layers or in the layer blobs it keeps whole. If it does, the same manifest
   * arriving again is read as a new one, so that its bytes mend the damage (docs/ADVERSARIAL.md,
   * S3); skipped, the new tag shared the damage.
   */
  private boolean intact(byte[] config, ArrivedAs arrived) {
    for (String chainId : records.image(imageId(config)).layers()) {
      if (layers.damaged(chainId)) {
        return false;
      }
    }
    if (arrived != null) {
      for (LayerBlob b : arrived.blobs()) {
        if (LayerBlob.BLOB.equals(b.form()) && blobs.holdsDamaged(Digest.parse(b.digest()))) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * For each layer of an image whose config lists {@code diffIds} and whose manifest names layer
   * blobs {@code digests} (bottom first): whether a pull need not fetch that blob, as the store
   * holds the layer (the chain of the diff_ids up to it) and an image of the store arrived with
   * that very blob over it, so that it comes back byte for byte ({@link #held}).
   */
  List<Boolean> heldLayers(List<String> diffIds, List<String> digests) {
    if (diffIds.size() != digests.size()) {
      throw new InvalidArgumentException(
          "image.held: " + diffIds.size() + " diff_ids for " + digests.size() + " layer blobs");
    }
    Map<String, LayerBlob> known = knownBlobs();
    List<Boolean> out = new ArrayList<>();
    String chain = null;
    for (int i = 0; i < diffIds.size(); i++) {
      Digest diffId = Digest.parse(diffIds.get(i));
      Digest.parse(digests.get(i)); // a digest, or refused in words
      chain = LayerStore.chain(chain, diffId);
      out.add(held(chain, diffIds.get(i), digests.get(i), known) != null);
    }
    return out;
  }

  /**
   * {@link HeldLayers} of the store's images as they are at its first question (an import asks
   * under the store's write lock, one question per layer left out): their blobs read once.
   */
  HeldLayers held() {
    java.util.concurrent.atomic.AtomicReference<Map<String, LayerBlob>> known =
        new java.util.concurrent.atomic.AtomicReference<>();
    return (chainId, diffId, digest) ->
        held(chainId, diffId, digest, known.updateAndGet(k -> k != null ? k : knownBlobs()));
  }

  private HeldLayers.Held held(
      String chainId, String diffId, String digest, Map<String, LayerBlob> known) {
    LayerRecord layer = layers.find(chainId);
    LayerBlob b = known.get(diffId + " " + digest);
    if (layer == null || b == null || layers.damaged(chainId)) {
      return null;
    }
    if (LayerBlob.BLOB.equals(b.form())) {
      Digest d = Digest.parse(b.digest());
      try {
        blobs.size(d);
      } catch (NotFoundException e) {
        return null; // removed (blob rm) since the image arrived
      }
      if (blobs.holdsDamaged(d)) {
        return null;
      }
    }
    return new HeldLayers.Held(layer, b);
  }

  /**
   * How each layer blob an image of the store arrived with comes back, by {@code "DIFFID DIGEST"}:
   * a blob's recipe regenerates it from any layer of that diff_id (the same tar, byte for byte).
   */
  private Map<String, LayerBlob> knownBlobs() {
    Map<String, LayerBlob> out = new HashMap<>();
    for (ImageRecord image : records.images().values()) {
      List<String> diffIds = null;
      for (Arrival a : image.arrivals()) {
        if (a.blobs() == null || a.blobs().size() != image.layers().size()) {
          continue;
        }
        if (diffIds == null) {
          diffIds = new ArrayList<>();
          for (String chainId : image.layers()) {
            LayerRecord l = layers.find(chainId);
            diffIds.add(l == null ? null : l.diffId());
          }
        }
        for (int i = 0; i < a.blobs().size(); i++) {
          if (diffIds.get(i) != null) {
            out.putIfAbsent(diffIds.get(i) + " " + a.blobs().get(i).digest(), a.blobs().get(i));
          }
        }
      }
    }
    return out;
  }

  private static String imageId(byte[] config) {
    return Digest.sha256(config, 0, config.length).toString();
  }

  /**
   * Image {@code base} plus the layer {@code changeTar} makes over its top layer, with a history
   * row {@code createdBy}, tagged {@code refs} (see {@link ImageStore#commitLayer}).
   */
  ImportResult commitLayer(
      String base, InputStream changeTar, List<ImageRef> refs, String createdBy)
      throws IOException {
    ImageRecord image = records.image(records.resolve(base));
    ObjectNode config = JsonCodec.object(image.configBytes(), "image " + base + " config");
    List<LayerStore.Result> imageLayers = new ArrayList<>();
    for (String c : image.layers()) {
      imageLayers.add(new LayerStore.Result(layers.get(c), true));
    }
    String parent = image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1);
    LayerStore.Result r =
        layers.importTar(parent, changeTar, null, null, "the new layer over image " + base);
    try {
      imageLayers.add(r);
      // the base's time is not the new image's; leaving none keeps a commit's id reproducible,
      // and the record keeps when it was made (ImageRecord.created)
      config.remove("created");
      ImageConfigs.addLayer(config, r.layer().diffId(), createdBy, false);
      return records.record(JsonCodec.bytes(config), imageLayers, refs, null, null, false);
    } catch (RuntimeException | IOException e) {
      layers.rollBack(r.reused() ? List.of() : List.of(r.layer().chainId()));
      throw e;
    }
  }

  /**
   * The image of {@code plan}, each missing layer rebuilt from chunks that are all here now, tagged
   * {@code tags}, which are the fleet catalogue's with {@code fromCatalogue}, and pulled as {@code
   * pulledAs} (a {@code REPOSITORY@DIGEST} it was sent by, or null; see {@link
   * ImageStore#receive}).
   */
  ImportResult received(
      TransferPlan plan, List<ImageRef> tags, String pulledAs, boolean fromCatalogue)
      throws IOException {
    String what = "transferred image " + plan.imageId();
    List<LayerStore.Result> results = new ArrayList<>();
    TransferredArrival arrival = new TransferredArrival(chunks, layers);
    try {
      plans.layers(plan, what, results);
      ArrivedAs arrived = null;
      if (plan.arrived() != null) {
        // the manifest the sender exports the image with, so that this host exports the same;
        // its recipes were checked when this store or a node of its fleet (the catalogue's plans
        // are theirs, in the same bucket) recorded it, so they are not run again
        boolean known =
            fromCatalogue || records.arrivalWith(plan.config(), plan.arrived().manifest()) != null;
        arrived =
            arrival.check(
                plan.arrived(),
                plan.config(),
                results.stream().map(LayerStore.Result::layer).toList(),
                known,
                what);
      }
      return records.record(plan.config(), results, tags, arrived, pulledAs, fromCatalogue);
    } catch (RuntimeException | IOException e) {
      layers.rollBack(
          results.stream().filter(r -> !r.reused()).map(r -> r.layer().chainId()).toList());
      arrival.undo();
      throw e;
    }
  }

  /** The image a build made, tagged {@code tags}; {@code log} gets Docker's closing lines. */
  ImportResult built(ImageBuilder.Built built, List<ImageRef> tags, Consumer<String> log)
      throws IOException {
    ImportResult result = records.record(built.config(), built.layers(), tags, null, null, false);
    String id = result.images().get(0).id();
    log.accept("Successfully built " + id.substring(7, 19));
    for (ImageRef t : tags) {
      log.accept("Successfully tagged " + t);
    }
    return result;
  }
}

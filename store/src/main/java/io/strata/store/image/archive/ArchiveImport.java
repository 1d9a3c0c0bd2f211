package io.strata.store.image.archive;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.blob.BlobService;
import io.strata.store.blob.BlobWriter;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.layer.CountingInputStream;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerCodec;
import io.strata.store.image.layer.LayerCompression;
import io.strata.store.image.layer.LayerStore;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One import of an image archive (an OCI layout, a docker-save archive, a registry's blobs): the
 * images it holds and, image by image, their layers made in the layer store with how each layer
 * blob comes back. It remembers what it added (layers, compressed blobs kept whole) so that {@link
 * #undo} leaves the store as it was when the import fails before its images are recorded.
 */
public final class ArchiveImport implements Closeable {
  private static final System.Logger LOG = System.getLogger(ArchiveImport.class.getName());

  private final ArchiveSource src;
  private final String what;
  private final LayerStore layers;
  private final BlobService blobService;
  private final List<String> added = new ArrayList<>();
  // compressed layer blobs this import stored whole (keptWhole): named again only if it stands
  private final List<Digest> keptBlobs = new ArrayList<>();
  // what each layer blob is read through: raised, the import stops at its next read
  private StopSignal stop = new StopSignal();
  // layer blobs a pull left out of the archive, as the store held them (see leftOut)
  private Set<String> leftOut = Set.of();
  private HeldLayers held;

  private ArchiveImport(ArchiveSource src, String what, LayerStore layers, ChunkStore chunks) {
    this.src = src;
    this.what = what;
    this.layers = layers;
    this.blobService = new BlobService(chunks);
  }

  /**
   * The archive directory {@code dir} holds as an OCI layout or a docker-save archive's files, its
   * layers made in {@code layers} of {@code chunks}; null when it is neither (a plain directory).
   */
  public static ArchiveImport directory(Path dir, LayerStore layers, ChunkStore chunks)
      throws IOException {
    ArchiveSource src = ArchiveSource.directory(dir);
    if (src.has("index.json")) {
      return new ArchiveImport(src, "OCI layout " + dir, layers, chunks);
    }
    if (src.has("manifest.json")) {
      return new ArchiveImport(src, "docker archive " + dir, layers, chunks);
    }
    src.close();
    return null;
  }

  /**
   * The archive the tar {@code file} is (a docker-save archive, an OCI layout in a tar), named
   * {@code name} in messages; null when it has neither {@code manifest.json} nor {@code index.json}
   * (a plain tar). A compressed file is no tar here: {@link CompressedTar} decompresses it first.
   */
  static ArchiveImport tar(Path file, String name, LayerStore layers, ChunkStore chunks)
      throws IOException {
    if (!ArchiveSource.tarHasAny(file, Set.of("manifest.json", "index.json"))) {
      return null;
    }
    // An archive: whatever it holds is imported as an archive or refused, never read as a plain
    // tar of its own files (issue #14 item 1). Errors, including a tar that cannot be indexed,
    // name the archive's entry and leave the store as it was.
    ArchiveSource src = ArchiveSource.tar(file);
    try {
      String kind = src.has("manifest.json") ? "docker archive " : "OCI archive ";
      return new ArchiveImport(src, kind + name, layers, chunks);
    } catch (IOException | RuntimeException e) {
      src.close();
      throw e;
    }
  }

  /**
   * The image whose manifest (OCI or docker schema 2; an index lists images) is blob {@code
   * manifest} of {@code blobs}, read as an OCI layout holding it would be; {@code what} names it in
   * messages.
   */
  public static ArchiveImport manifest(
      BlobFiles blobs,
      Digest manifest,
      String mediaType,
      long size,
      String what,
      LayerStore layers,
      ChunkStore chunks) {
    ObjectNode index =
        JsonCodec.object("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8), what);
    ObjectNode d = index.putArray("manifests").addObject();
    d.put("mediaType", mediaType).put("digest", manifest.toString()).put("size", size);
    return new ArchiveImport(
        ArchiveSource.blobs(blobs, JsonCodec.bytes(index)), what, layers, chunks);
  }

  /**
   * Layer blobs {@code digests} a pull left out of the archive because the store held them ({@code
   * image.held}): each is taken from {@code held} instead, without a byte read. One the store no
   * longer holds (an image removed since) fails the import, which leaves the store as it was.
   */
  public void leftOut(Set<String> digests, HeldLayers held) {
    this.leftOut = Set.copyOf(digests);
    this.held = held;
  }

  /** Reads every layer blob through {@code stop}, which a client's cancel raises. */
  void readThrough(StopSignal stop) {
    this.stop = stop;
  }

  /**
   * The archive's images, or with {@code select} the OCI layout's images of that ref name; each tag
   * the archive gives passes {@code tagCheck} (see {@link ArchiveImages#read}).
   */
  public List<ArchiveImages.Image> images(String select, UnaryOperator<String> tagCheck)
      throws IOException {
    return ArchiveImages.read(src, select, what, tagCheck);
  }

  /**
   * The layers of one image as this import made them, and how the image arrived (null when a layer
   * blob cannot be given back byte for byte: it then exports as Strata made it).
   *
   * @param layers its layers, bottom first
   * @param arrived its manifest and layer blobs, or null
   */
  public record Layers(List<LayerStore.Result> layers, ArrivedAs arrived) {}

  /**
   * The contents of a layer blob kept as a recipe, through {@code stop}: its tar, read as it is.
   * Contents compressed again (a gzip of a gzip) are no tar: the layer import would decompress them
   * a second time and record a blob its recipe cannot give back, breaking every export of the image
   * (AR1); such a layer is refused as a client's runtime would refuse it.
   */
  private InputStream plainTar(InputStream contents, String name) throws IOException {
    InputStream in = new java.io.BufferedInputStream(stop.guard(contents, name), 64 << 10);
    LayerCompression inner = LayerCompression.detect(in);
    if (inner != LayerCompression.NONE) {
      in.close();
      throw new InvalidArgumentException(
          name
              + ": its gzip holds "
              + inner.name().toLowerCase(java.util.Locale.ROOT)
              + " data, not a tar (compressed twice)");
    }
    return in;
  }

  /**
   * Makes the layers of {@code image}, each checked against its config's diff_id while it streams,
   * and works out how each of its layer blobs comes back.
   */
  public Layers layers(ArchiveImages.Image image) throws IOException {
    ObjectNode config = JsonCodec.object(image.config(), what + " config");
    List<String> diffIds = ImageConfigs.diffIds(config, what);
    if (diffIds.size() != image.layers().size()) {
      throw new InvalidArgumentException(
          what
              + ": the config lists "
              + diffIds.size()
              + " diff_ids for "
              + image.layers().size()
              + " layers");
    }
    List<LayerStore.Result> results = new ArrayList<>();
    List<LayerBlob> blobs = image.manifest() == null ? null : new ArrayList<>();
    String parent = null;
    for (int i = 0; i < diffIds.size(); i++) {
      ArchiveImages.Blob blob = image.layers().get(i);
      String name = what + " layer " + blob.name();
      if (blob.digest() != null
          && leftOut.contains(blob.digest().toString())
          && !src.has(blob.name())) {
        HeldLayers.Held h = heldLayer(parent, diffIds.get(i), blob, name);
        results.add(new LayerStore.Result(h.layer(), true));
        parent = h.layer().chainId();
        if (blobs != null) {
          blobs.add(h.blob());
        }
        continue;
      }
      LayerStore.Result r;
      // a recipe blob's digest was verified when it was stored: its contents are read as they
      // are, without regenerating the gzip (a deflate of the whole layer) only to inflate it
      InputStream uncompressed = src.openUncompressed(blob.name());
      InputStream plain = uncompressed == null ? null : plainTar(uncompressed, name);
      CountingInputStream raw =
          plain != null ? null : new CountingInputStream(stop.guard(src.open(blob.name()), name));
      try (InputStream in = plain != null ? plain : raw) {
        r =
            layers.importTar(
                parent,
                in,
                Digest.parse(diffIds.get(i)),
                plain != null ? null : blob.digest(),
                name);
      } catch (InvalidArgumentException e) {
        if (e.getMessage() != null && e.getMessage().contains(blob.name())) {
          throw e;
        }
        throw new InvalidArgumentException(name + ": " + e.getMessage(), e);
      }
      if (!r.reused()) {
        added.add(r.layer().chainId());
      }
      checkSize(blob, raw, name);
      results.add(r);
      parent = r.layer().chainId();
      if (blobs != null) {
        LayerBlob b = LayerBlobs.of(src, blob, r.layer());
        if (b == null) {
          b = keptWhole(blob, name);
        }
        if (b == null) {
          LOG.log(
              System.Logger.Level.INFO,
              "{0}: no known compressor reproduces it; the image exports with uncompressed"
                  + " layers (new digests)",
              name);
          blobs = null;
        } else {
          blobs.add(b);
        }
      }
    }
    return new Layers(
        results,
        blobs == null ? null : new ArrivedAs(image.manifest(), image.manifestType(), blobs));
  }

  /**
   * The store's layer over {@code parent} of {@code diffId} and how {@code blob}, which a pull left
   * out, comes back; refused when the store no longer holds them or the blob is not the size its
   * descriptor gives.
   */
  private HeldLayers.Held heldLayer(
      String parent, String diffId, ArchiveImages.Blob blob, String what) {
    String chain = LayerStore.chain(parent, Digest.parse(diffId));
    HeldLayers.Held h = held == null ? null : held.find(chain, diffId, blob.digest().toString());
    if (h == null || (blob.size() >= 0 && h.blob().size() != blob.size())) {
      throw new ConflictException(
          what
              + ": left out of the pull as this store held it, and it no longer does (an image"
              + " removed meanwhile): pull again");
    }
    String type = blob.mediaType() == null ? LayerCodec.LAYER_TAR : blob.mediaType();
    LayerBlob b = h.blob();
    return new HeldLayers.Held(
        h.layer(), new LayerBlob(b.digest(), type, b.size(), b.form(), b.gzip(), b.zstd()));
  }

  /**
   * Keeps a compressed layer blob that no recipe reproduces (a zstd layer written by another zstd
   * than Strata's, a gzip of zlib or klauspost) as a Strata blob of its digest: its own bytes as
   * chunks, deduplicated like any blob, so that an export gives it back byte for byte and the
   * manifest's digests hold. The price is the compressed bytes, stored beside the layer's files.
   * Null for a blob without a digest (a docker-save layer) or a plain tar; {@code keptBlobs} gets
   * the digest when this import stored it.
   */
  private LayerBlob keptWhole(ArchiveImages.Blob blob, String what) throws IOException {
    Digest d = blob.digest();
    if (d == null) {
      return null;
    }
    String type = blob.mediaType() == null ? LayerCodec.LAYER_TAR : blob.mediaType();
    // held but damaged: its bytes are stored again below, which mends it (it is no new blob of
    // this import, so a roll-back leaves it)
    boolean damaged = blobService.holdsDamaged(d);
    if (!damaged) {
      try {
        return new LayerBlob(d.toString(), type, blobService.size(d), LayerBlob.BLOB, null);
      } catch (NotFoundException e) {
        // not held yet
      }
    }
    try (InputStream raw = src.open(blob.name())) {
      BufferedInputStream in = new BufferedInputStream(raw, 64 << 10);
      if (LayerCompression.detect(in) == LayerCompression.NONE) {
        return null;
      }
      PutResult p;
      try (BlobWriter w = blobService.create()) {
        byte[] buf = new byte[256 << 10];
        int n;
        while ((n = in.read(buf)) > 0) {
          w.write(buf, 0, n);
        }
        p = w.commit(d);
      }
      if (!damaged) {
        keptBlobs.add(d);
      }
      LOG.log(
          System.Logger.Level.INFO,
          "{0}: no known compressor reproduces it; kept whole as blob {1} ({2} bytes), so exports"
              + " give it back byte for byte",
          what,
          d,
          p.size());
      return new LayerBlob(d.toString(), type, p.size(), LayerBlob.BLOB, null);
    }
  }

  /**
   * Checks layer blob {@code blob} against the size its descriptor gives (when it gives one): the
   * bytes {@code raw} counted (it was read to its end), or the size of the recipe a blob read
   * uncompressed is kept as. A layer already made stays in {@link #added}, for {@link #undo}.
   */
  private void checkSize(ArchiveImages.Blob blob, CountingInputStream raw, String what) {
    if (blob.size() < 0) {
      return;
    }
    long size = -1;
    if (raw != null) {
      size = raw.count();
    } else if (src.gzipRecipe(blob.name()) != null) {
      size = src.gzipRecipe(blob.name()).size();
    }
    if (size >= 0 && size != blob.size()) {
      throw new InvalidArgumentException(
          what + ": blob is " + size + " bytes, its descriptor says " + blob.size());
    }
  }

  /** Removes what this import added: its layers, top down, then the blobs it kept whole. */
  public void undo() throws IOException {
    layers.rollBack(added);
    for (Digest d : keptBlobs) {
      blobService.remove(d);
    }
  }

  @Override
  public void close() throws IOException {
    src.close();
  }
}

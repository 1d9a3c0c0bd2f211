package io.strata.store.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.Engine;
import io.strata.store.blob.BlobService;
import io.strata.store.blob.BlobWriter;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.roaringbitmap.RoaringBitmap;

/**
 * The images of a data root: what {@code strata image ...} and {@code strata build} call. Layers
 * are driver snapshots named by chain id (see {@link LayerStore}); images, tags and the build cache
 * are roots of the chunk store ({@code img/image/}, {@code img/tag/}, {@code img/cache/}), so each
 * change to them is one atomic, durable commit. An import records its image and tags only after
 * every layer is in; if it fails, the layers it added are removed again, and after a crash {@link
 * #open} removes them. Changes are serialized; reads run alongside each other.
 */
public final class ImageStore {
  static final String TAG_PREFIX = "img/tag/";
  private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());

  private final ChunkStore chunks;
  private final StorageDriver driver;
  private final Path tmpDir;
  private final LayerStore layers;
  private final TransferPlans plans;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /**
   * The images over {@code chunks} and {@code driver}; {@code tmpDir} holds spooled uploads.
   * Repairs what a crash cut short before returning.
   */
  public ImageStore(ChunkStore chunks, StorageDriver driver, Path tmpDir) throws IOException {
    this(chunks, driver, tmpDir, ImportLimits.fromSystemProperties());
  }

  /** As above, with {@code limits} bounding what each imported layer may expand to. */
  public ImageStore(ChunkStore chunks, StorageDriver driver, Path tmpDir, ImportLimits limits)
      throws IOException {
    this.chunks = chunks;
    this.driver = driver;
    this.tmpDir = tmpDir;
    this.layers = new LayerStore(chunks, driver, limits);
    this.plans = new TransferPlans(chunks, layers);
    layers.recover(liveLayers());
  }

  /**
   * Whether {@code chunks} holds the layer with chain id {@code chainId} ({@code sha256:<hex>}), as
   * an import or pull leaves it: a layer record and the committed snapshot named by the chain id.
   */
  public static boolean holdsLayer(ChunkStore chunks, String chainId) {
    return chainId.startsWith("sha256:")
        && chainId.length() == 7 + 64
        && chunks.root(LayerRecord.rootName(chainId)) != null
        && chunks.root(io.strata.store.driver.Snapshot.rootName(chainId)) != null;
  }

  /**
   * The images of a fleet sharing one bucket (see {@code io.strata.store.fleet}): what an image
   * reference names when this store does not hold it.
   */
  public interface FleetImages {
    /**
     * The transfer plan of {@code ref} as another store published it, with every chunk it names now
     * in this store's index; null if the fleet has no such image.
     */
    TransferPlan find(String ref) throws IOException;
  }

  private volatile FleetImages fleet;

  /** Looks up images this store lacks in {@code f} from now on ({@link #fetchIfMissing}). */
  public void fleet(FleetImages f) {
    this.fleet = f;
  }

  /**
   * Makes image {@code ref} a local image if this store lacks it and another store of its fleet
   * published it: its layers are made from the chunks already in the shared store, nothing is
   * copied. Does nothing for a store that shares no bucket, or when {@code ref} is here.
   */
  public void fetchIfMissing(String ref) throws IOException {
    FleetImages f = fleet;
    if (f == null) {
      return;
    }
    lock.readLock().lock();
    try {
      resolve(ref);
      return;
    } catch (NotFoundException e) {
      // Not here: ask the fleet.
    } finally {
      lock.readLock().unlock();
    }
    TransferPlan plan = f.find(ref);
    if (plan != null) {
      receive(plan);
    }
  }

  /**
   * {@link #resolve}, after making the image local if another store of the fleet published it (see
   * {@link #fetchIfMissing}).
   */
  public String resolveFetching(String ref) throws IOException {
    fetchIfMissing(ref);
    return resolve(ref);
  }

  private void fetchIfMissingUnchecked(String ref) {
    if (fleet == null) {
      return;
    }
    try {
      fetchIfMissing(ref);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "image " + ref + " from the shared store: " + e.getMessage(), e);
    }
  }

  /** The images of an open data root ({@code DATA/tmp} for spooling). */
  public static ImageStore open(Engine engine) throws IOException {
    return new ImageStore(engine.chunks(), engine.storage(), engine.dataRoot().resolve("tmp"));
  }

  StorageDriver driver() {
    return driver;
  }

  LayerStore layers() {
    return layers;
  }

  // ---- import ----

  /**
   * Imports {@code path} from this host: an OCI layout directory ({@code dir} or {@code dir:tag}),
   * a docker-save archive, an OCI layout in a tar, a plain directory or a plain tar (plain, gzip or
   * zstd). {@code tag} (null: none) names the image; archives also keep their own tags.
   */
  public ImportResult importPath(String path, String tag) throws IOException {
    Path p = Path.of(path);
    String select = null;
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && path.lastIndexOf(':') > 0) {
      select = path.substring(path.lastIndexOf(':') + 1);
      p = Path.of(path.substring(0, path.lastIndexOf(':')));
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (ArchiveSource src = ArchiveSource.directory(p)) {
        if (src.has("index.json")) {
          return importArchive(src, select, tag, "OCI layout " + p);
        }
        if (src.has("manifest.json")) {
          return importArchive(src, select, tag, "docker archive " + p);
        }
      }
      Path dir = p;
      return importSingleLayer(
          () -> layers.importTree(null, fs -> HostTree.copy(dir, fs)), tag, "directory " + p);
    }
    if (!Files.isRegularFile(p)) {
      throw new NotFoundException("import source " + path + " not found");
    }
    return importFile(p, select, tag);
  }

  /**
   * Imports an archive streamed in (a docker-save archive, an OCI layout as a tar, or a plain tar):
   * spooled to the data root's tmp directory first, since an archive's manifest may come after its
   * layers.
   */
  public ImportResult importStream(InputStream in, String tag) throws IOException {
    Files.createDirectories(tmpDir);
    Path spool = Files.createTempFile(tmpDir, "import-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(spool)) {
        in.transferTo(out);
      }
      return importFile(spool, null, tag);
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /**
   * Imports the plain tar {@code in} (plain, gzip or zstd) of one file tree as a single-layer image
   * while it streams in: nothing is spooled and the tar is never taken for an archive, since its
   * sender vouches it is none. The layer is the same as {@link #importPath} of the same tar makes.
   * {@code what} names the tar in messages.
   */
  public ImportResult importLayerTar(InputStream in, String tag, String what) throws IOException {
    return importSingleLayer(() -> layers.importPlainTar(in, what), tag, what);
  }

  /** How many plain tars were imported by reading their tree back (not sent in canonical form). */
  long plainTarsReadBack() {
    return layers.plainTarsReadBack();
  }

  private ImportResult importFile(Path file, String select, String tag) throws IOException {
    boolean compressed;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      compressed = LayerCompression.detect(in) != LayerCompression.NONE;
    }
    if (!compressed && ArchiveSource.tarHasAny(file, Set.of("manifest.json", "index.json"))) {
      // An archive: whatever it holds is imported as an archive or refused, never read as a plain
      // tar of its own files (issue #14 item 1). Errors, including a tar that cannot be indexed,
      // name the archive's entry and leave the store as it was.
      try (ArchiveSource src = ArchiveSource.tar(file)) {
        if (src.has("manifest.json")) {
          return importArchive(src, select, tag, "docker archive " + file.getFileName());
        }
        return importArchive(src, select, tag, "OCI archive " + file.getFileName());
      }
    }
    String what = "tar " + file.getFileName();
    return importSingleLayer(
        () -> {
          try (InputStream in = Files.newInputStream(file)) {
            return layers.importPlainTar(in, what);
          }
        },
        tag,
        what);
  }

  /** Makes the one layer of a single-layer import. */
  private interface LayerImport {
    LayerStore.Result run() throws IOException;
  }

  private ImportResult importSingleLayer(LayerImport layer, String tag, String what)
      throws IOException {
    ImageRef ref = tag == null ? null : ImageRef.parse(tag);
    lock.writeLock().lock();
    try {
      LayerStore.Result r = layer.run();
      List<String> added = r.reused() ? List.of() : List.of(r.layer().chainId());
      try {
        ObjectNode config = ImageConfigs.empty();
        ImageConfigs.addLayer(config, r.layer().diffId(), "strata image import", false);
        return record(JsonCodec.bytes(config), List.of(r), ref == null ? List.of() : List.of(ref));
      } catch (RuntimeException | IOException e) {
        rollBack(added);
        throw e;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private ImportResult importArchive(ArchiveSource src, String select, String tag, String what)
      throws IOException {
    List<ArchiveImages.Image> found = ArchiveImages.read(src, select, what);
    ImageRef override = tag == null ? null : ImageRef.parse(tag);
    lock.writeLock().lock();
    List<String> added = new ArrayList<>();
    // compressed layer blobs this import stored whole (keptWhole): named again only if it stands
    List<Digest> keptBlobs = new ArrayList<>();
    try {
      List<ImportResult.Image> out = new ArrayList<>();
      for (ArchiveImages.Image image : found) {
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
          LayerStore.Result r;
          // a recipe blob's digest was verified when it was stored: its contents are read as they
          // are, without regenerating the gzip (a deflate of the whole layer) only to inflate it
          InputStream plain = src.openUncompressed(blob.name());
          try (InputStream in = plain != null ? plain : src.open(blob.name())) {
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
          results.add(r);
          parent = r.layer().chainId();
          if (blobs != null) {
            LayerBlob b = LayerBlobs.of(src, blob, r.layer());
            if (b == null) {
              b = keptWhole(src, blob, name, keptBlobs);
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
        List<ImageRef> tags = new ArrayList<>(image.tags());
        if (override != null) {
          tags = List.of(override);
        }
        ArrivedAs arrived =
            blobs == null ? null : new ArrivedAs(image.manifest(), image.manifestType(), blobs);
        out.addAll(record(image.config(), results, tags, arrived).images());
      }
      return new ImportResult(out);
    } catch (RuntimeException | IOException e) {
      rollBack(added);
      for (Digest d : keptBlobs) {
        new BlobService(chunks).remove(d);
      }
      throw e;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Keeps a compressed layer blob that no recipe reproduces (a zstd layer written by another zstd
   * than Strata's, a gzip of zlib or klauspost) as a Strata blob of its digest: its own bytes as
   * chunks, deduplicated like any blob, so that an export gives it back byte for byte and the
   * manifest's digests hold. The price is the compressed bytes, stored beside the layer's files.
   * Null for a blob without a digest (a docker-save layer) or a plain tar; {@code made} gets the
   * digest when this import stored it.
   */
  private LayerBlob keptWhole(
      ArchiveSource src, ArchiveImages.Blob blob, String what, List<Digest> made)
      throws IOException {
    Digest d = blob.digest();
    if (d == null) {
      return null;
    }
    String type = blob.mediaType() == null ? ImageExport.LAYER_TAR : blob.mediaType();
    BlobService service = new BlobService(chunks);
    try {
      return new LayerBlob(d.toString(), type, service.size(d), LayerBlob.BLOB, null);
    } catch (NotFoundException e) {
      // not held yet
    }
    try (InputStream raw = src.open(blob.name())) {
      BufferedInputStream in = new BufferedInputStream(raw, 64 << 10);
      if (LayerCompression.detect(in) == LayerCompression.NONE) {
        return null;
      }
      PutResult p;
      try (BlobWriter w = service.create()) {
        byte[] buf = new byte[256 << 10];
        int n;
        while ((n = in.read(buf)) > 0) {
          w.write(buf, 0, n);
        }
        p = w.commit(d);
      }
      made.add(d);
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

  /** Blobs by digest, as a registry holds them: what {@link #importManifest} reads. */
  public interface BlobFiles {
    /** Whether blob {@code digest} is there. */
    boolean has(Digest digest);

    /** The bytes of blob {@code digest}. */
    InputStream open(Digest digest) throws IOException;

    /**
     * The uncompressed contents of blob {@code digest} when it is a gzip blob kept as a recipe
     * whose digest was verified when it was stored, else null: an import reads them instead of
     * regenerating the gzip only to decompress it again.
     */
    default InputStream openUncompressed(Digest digest) {
      return null;
    }

    /** The recipe that regenerates gzip blob {@code digest}, when known. */
    default io.strata.store.gzip.GzipRecipe gzipRecipe(Digest digest) {
      return null;
    }

    /**
     * The length of blob {@code digest} when a Strata blob ({@code strata blob}) holds it whole,
     * else -1.
     */
    default long storedWhole(Digest digest) {
      return -1;
    }
  }

  /**
   * Imports the image whose manifest (OCI or docker schema 2; an index imports each image it lists)
   * is blob {@code manifest} of {@code blobs}, as an import of an OCI layout holding it would, and
   * tags it {@code tag} (null: none). Layers and config are verified against their digests; refused
   * with {@link InvalidArgumentException}, the store unchanged, for what an import would refuse.
   */
  public ImportResult importManifest(
      BlobFiles blobs, Digest manifest, String mediaType, long size, String tag, String what)
      throws IOException {
    ObjectNode index =
        JsonCodec.object("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8), what);
    ObjectNode d = index.putArray("manifests").addObject();
    d.put("mediaType", mediaType).put("digest", manifest.toString()).put("size", size);
    try (ArchiveSource src = ArchiveSource.blobs(blobs, JsonCodec.bytes(index))) {
      return importArchive(src, null, tag, what);
    }
  }

  /**
   * Makes an image of image {@code base} plus one layer, as {@code docker commit} does: {@code
   * changeTar} is the layer's tar, an OCI changeset ({@code .wh.NAME} whiteouts for deletions;
   * plain, gzip or zstd), read as a stream and kept byte for byte as an import keeps a layer, so
   * its diff_id is the sha256 of its uncompressed bytes and an export gives those bytes back. The
   * config is the base's with the layer added and one history row whose {@code created_by} is
   * {@code createdBy}. The layer is made from a snapshot of the base's top layer, so the cost is
   * that of the tar, whatever the size of the image. {@code tags} (none: an untagged image) name
   * the new image, moved from any image that had them. Refused with {@link
   * InvalidArgumentException}, and the store unchanged, for a tar an import would refuse.
   */
  public ImportResult commitLayer(
      String base, InputStream changeTar, List<String> tags, String createdBy) throws IOException {
    List<ImageRef> refs = tags.stream().map(ImageRef::parse).toList();
    lock.writeLock().lock();
    try {
      ImageRecord image = image(resolve(base));
      ObjectNode config = JsonCodec.object(image.configBytes(), "image " + base + " config");
      List<LayerStore.Result> imageLayers = new ArrayList<>();
      for (String c : image.layers()) {
        imageLayers.add(new LayerStore.Result(layers.get(c), true));
      }
      String parent =
          image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1);
      LayerStore.Result r =
          layers.importTar(parent, changeTar, null, null, "layer committed onto image " + base);
      try {
        imageLayers.add(r);
        ImageConfigs.addLayer(config, r.layer().diffId(), createdBy, false);
        return record(JsonCodec.bytes(config), imageLayers, refs);
      } catch (RuntimeException | IOException e) {
        rollBack(r.reused() ? List.of() : List.of(r.layer().chainId()));
        throw e;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The manifest an image arrived with, and how each of its layer blobs comes back. */
  record ArrivedAs(byte[] manifest, String type, List<LayerBlob> blobs) {}

  /** Records an image and its tags in one commit; returns what was stored. */
  ImportResult record(byte[] config, List<LayerStore.Result> imageLayers, List<ImageRef> tags)
      throws IOException {
    return record(config, imageLayers, tags, null);
  }

  /**
   * Records an image and its tags in one commit; with {@code arrived} (null: keep what an earlier
   * import of the same image recorded) exports give back its manifest and layer blobs unchanged.
   */
  ImportResult record(
      byte[] config, List<LayerStore.Result> imageLayers, List<ImageRef> tags, ArrivedAs arrived)
      throws IOException {
    List<String> chain = new ArrayList<>();
    List<ImportResult.Layer> out = new ArrayList<>();
    for (LayerStore.Result r : imageLayers) {
      chain.add(r.layer().chainId());
      out.add(new ImportResult.Layer(r.layer().diffId(), r.layer().chainId(), r.reused()));
    }
    ImageRecord image = ImageRecord.of(config, chain);
    if (arrived != null) {
      image = image.withManifest(arrived.manifest(), arrived.type(), arrived.blobs());
    } else {
      Root earlier = chunks.root(ImageRecord.rootName(image.id()));
      if (earlier != null) {
        ImageRecord e = JsonCodec.read(earlier.payload(), ImageRecord.class, earlier.name());
        if (e.manifest() != null && e.layers().equals(chain)) {
          image = e;
        }
      }
    }
    List<RootChange> changes = new ArrayList<>();
    RoaringBitmap none = new RoaringBitmap();
    changes.add(
        new RootChange.Put(
            new Root(ImageRecord.rootName(image.id()), 0, JsonCodec.bytes(image), none)));
    for (ImageRef t : tags) {
      changes.add(
          new RootChange.Put(
              new Root(
                  TAG_PREFIX + t,
                  0,
                  image.id().getBytes(StandardCharsets.US_ASCII),
                  new RoaringBitmap())));
    }
    commit(changes);
    List<String> names = tags.stream().map(ImageRef::toString).toList();
    return new ImportResult(List.of(new ImportResult.Image(image.id(), names, out)));
  }

  private void rollBack(List<String> added) throws IOException {
    if (added.isEmpty()) {
      return;
    }
    List<String> topDown = new ArrayList<>(added);
    Collections.reverse(topDown);
    layers.remove(topDown);
  }

  // ---- export ----

  /**
   * Writes image {@code ref} as an OCI layout into directory {@code dir}; layers Strata made go
   * uncompressed (the registry's publish serves them so, each digest its diff_id).
   */
  public void exportLayout(String ref, Path dir) throws IOException {
    fetchIfMissing(ref);
    try (ExportTarget t = ExportTarget.directory(dir)) {
      export(ref, ExportFormat.OCI, LayerCodec.NONE, t);
    }
  }

  /** Streams image {@code ref} to {@code out} as a tar in {@code format}, layers uncompressed. */
  public void export(String ref, ExportFormat format, OutputStream out) throws IOException {
    export(ref, format, LayerCodec.NONE, out);
  }

  /**
   * Streams image {@code ref} to {@code out} as a tar in {@code format}. An image that keeps the
   * manifest it arrived with goes as it arrived; the layers of any other are compressed with {@code
   * codec}.
   */
  public void export(String ref, ExportFormat format, LayerCodec codec, OutputStream out)
      throws IOException {
    fetchIfMissing(ref);
    try (ExportTarget t = ExportTarget.tar(out)) {
      export(ref, format, codec, t);
    }
  }

  /**
   * Streams images {@code refs} to {@code out} as one {@code docker save} archive, as {@code docker
   * save IMAGE...} writes it: one {@code manifest.json} entry per image, each blob once.
   */
  public void saveAll(List<String> refs, LayerCodec codec, OutputStream out) throws IOException {
    for (String ref : refs) {
      fetchIfMissing(ref);
    }
    lock.readLock().lock();
    try (ExportTarget t = ExportTarget.tar(out)) {
      ImageExport.DockerArchive archive = new ImageExport.DockerArchive();
      for (String ref : refs) {
        archive.add(exporter(ref, codec), t);
      }
      archive.finish(t);
    } finally {
      lock.readLock().unlock();
    }
  }

  private ImageExport exporter(String ref, LayerCodec codec) {
    ImageRecord image = image(resolve(ref));
    List<LayerRecord> ls = new ArrayList<>();
    for (String c : image.layers()) {
      ls.add(layers.get(c));
    }
    return new ImageExport(
        layers, new BlobService(chunks), image, ls, tagsOf(image.id()), ref, codec);
  }

  private void export(String ref, ExportFormat format, LayerCodec codec, ExportTarget target)
      throws IOException {
    lock.readLock().lock();
    try {
      ImageRecord image = image(resolve(ref));
      List<LayerRecord> ls = new ArrayList<>();
      for (String c : image.layers()) {
        ls.add(layers.get(c));
      }
      List<String> tags = tagsOf(image.id());
      ImageExport exporter =
          new ImageExport(layers, new BlobService(chunks), image, ls, tags, ref, codec);
      if (format == ExportFormat.OCI) {
        exporter.oci(target);
      } else {
        exporter.dockerArchive(target);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---- transfer between hosts ----

  /** How this store's driver cuts files: what a sender of images to this store should use. */
  public ContentCut contentCut() {
    return driver.contentCut(chunks.chunkerParams());
  }

  /**
   * The transfer plan of image {@code ref}, its files cut by {@code cut} (the receiver's). The plan
   * names the image by {@code ref} when that is a tag, else it travels untagged.
   */
  public TransferPlan transferPlan(String ref, ContentCut cut) throws IOException {
    fetchIfMissing(ref);
    lock.readLock().lock();
    try {
      String id = resolve(ref);
      String name = "";
      try {
        String tag = ImageRef.parse(ref).toString();
        if (id.equals(tagged().get(tag))) {
          name = tag;
        }
      } catch (InvalidArgumentException e) {
        // an id: no name travels
      }
      return plans.plan(image(id), cut, name);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Writes the chunks of image {@code id} that a receiver asked for ({@code wanted}, digests and
   * lengths) to {@code out}, its files cut by {@code cut} as in the plan it was sent.
   */
  public void sendChunks(
      String id, ContentCut cut, Map<Digest, Integer> wanted, ChunkRecords.Writer out)
      throws IOException {
    lock.readLock().lock();
    try {
      plans.send(image(resolve(id)), cut, wanted, out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The chunks of {@code plan} this store lacks, in the plan's order, with their lengths. */
  public Map<Digest, Integer> missing(TransferPlan plan) {
    lock.readLock().lock();
    try {
      return plans.missing(plan, "transferred image " + plan.imageId());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Makes the image of {@code plan} from its chunks, which must all be here now (received into a
   * {@link ChunkIntake}): each missing layer is rebuilt byte for byte and checked against its
   * diff_id, then the image is recorded under the plan's name, and the plan's pinned chunks are
   * released. Nothing is recorded if any layer fails.
   */
  public ImportResult receive(TransferPlan plan) throws IOException {
    String what = "transferred image " + plan.imageId();
    List<ImageRef> tags = plan.name().isEmpty() ? List.of() : List.of(ImageRef.parse(plan.name()));
    ImportResult result;
    lock.writeLock().lock();
    try {
      List<LayerStore.Result> results = new ArrayList<>();
      try {
        plans.layers(plan, what, results);
        result = record(plan.config(), results, tags);
      } catch (RuntimeException | IOException e) {
        rollBack(results.stream().filter(r -> !r.reused()).map(r -> r.layer().chainId()).toList());
        throw e;
      }
    } finally {
      lock.writeLock().unlock();
    }
    ChunkIntake.release(chunks, plan.id());
    return result;
  }

  // ---- queries ----

  /** Every image, one row per tag (untagged images once, as {@code <none>}). */
  public List<ImageSummary> list() {
    lock.readLock().lock();
    try {
      Map<String, ImageRecord> images = images();
      Map<String, RoaringBitmap> sets = new LinkedHashMap<>();
      images.forEach((id, im) -> sets.put(id, chunkSet(im)));
      List<ImageSummary> out = new ArrayList<>();
      Map<String, List<String>> byImage = new TreeMap<>();
      tagged().forEach((t, id) -> byImage.computeIfAbsent(id, k -> new ArrayList<>()).add(t));
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
        for (String t : tags) {
          int c = t.lastIndexOf(':');
          out.add(
              new ImageSummary(
                  t.substring(0, c), t.substring(c + 1), e.getKey(), size, shared, size - shared));
        }
      }
      out.sort(
          (a, b) ->
              a.repository().equals(b.repository())
                  ? a.tag().compareTo(b.tag())
                  : a.repository().compareTo(b.repository()));
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** One row per layer, top first. */
  public List<HistoryEntry> history(String ref) {
    fetchIfMissingUnchecked(ref);
    lock.readLock().lock();
    try {
      ImageRecord image = image(resolve(ref));
      List<String> createdBy =
          ImageConfigs.layerHistory(JsonCodec.object(image.configBytes(), "image config"));
      List<HistoryEntry> out = new ArrayList<>();
      for (int i = image.layers().size() - 1; i >= 0; i--) {
        LayerRecord l = layers.get(image.layers().get(i));
        out.add(
            new HistoryEntry(l.diffId(), l.size(), i < createdBy.size() ? createdBy.get(i) : ""));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** What {@code strata image inspect} shows. */
  public ImageDetails inspect(String ref) {
    fetchIfMissingUnchecked(ref);
    lock.readLock().lock();
    try {
      ImageRecord image = image(resolve(ref));
      List<String> diffIds = new ArrayList<>();
      for (String c : image.layers()) {
        diffIds.add(layers.get(c).diffId());
      }
      List<String> tags = tagsOf(image.id());
      List<String> repoDigests = new ArrayList<>();
      byte[] manifest = image.manifestBytes();
      if (manifest != null) {
        Digest md = Digest.sha256(manifest, 0, manifest.length);
        for (String t : tags) {
          String repo = t.substring(0, t.lastIndexOf(':')) + "@" + md;
          if (!repoDigests.contains(repo)) {
            repoDigests.add(repo);
          }
        }
      }
      return new ImageDetails(
          image.id(),
          tags,
          repoDigests,
          diffIds,
          new String(image.configBytes(), StandardCharsets.UTF_8),
          image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The image id {@code ref} names: a {@code repository[:tag]}, a full id, or a unique prefix of at
   * least 4 hex digits of one.
   */
  public String resolve(String ref) {
    Map<String, String> tags = tagged();
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

  // ---- changes ----

  /** Gives image {@code src} the tag {@code dst} (moved if another image had it). */
  public void tag(String src, String dst) throws IOException {
    ImageRef t = ImageRef.parse(dst);
    fetchIfMissing(src);
    lock.writeLock().lock();
    try {
      String id = resolve(src);
      commit(
          List.of(
              new RootChange.Put(
                  new Root(
                      TAG_PREFIX + t,
                      0,
                      id.getBytes(StandardCharsets.US_ASCII),
                      new RoaringBitmap()))));
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Removes {@code ref}: a tag of an image with other tags removes only that tag; otherwise the
   * image goes, with its tags, and then its layers that no other image uses (top down). Refused
   * with {@link ConflictException} while {@code inUse} says a container uses the image (given its
   * id). Returns the ids of what was removed ({@code Untagged: tag} and {@code Deleted: id} lines).
   */
  public List<String> remove(String ref, Predicate<String> inUse) throws IOException {
    lock.writeLock().lock();
    try {
      String id = resolve(ref);
      List<String> tags = tagsOf(id);
      List<String> out = new ArrayList<>();
      String named = null;
      try {
        named = ImageRef.parse(ref).toString();
      } catch (InvalidArgumentException e) {
        // an id
      }
      if (named != null && tags.contains(named) && tags.size() > 1) {
        commit(List.of(new RootChange.Remove(TAG_PREFIX + named)));
        return List.of("Untagged: " + named);
      }
      if (inUse.test(id)) {
        throw new ConflictException("image " + ref + " is used by a container; remove it first");
      }
      ImageRecord image = image(id);
      List<RootChange> changes = new ArrayList<>();
      for (String t : tags) {
        changes.add(new RootChange.Remove(TAG_PREFIX + t));
        out.add("Untagged: " + t);
      }
      changes.add(new RootChange.Remove(ImageRecord.rootName(id)));
      Set<String> stillUsed = new HashSet<>();
      images()
          .forEach(
              (other, im) -> {
                if (!other.equals(id)) {
                  stillUsed.addAll(im.layers());
                }
              });
      List<String> doomed = new ArrayList<>();
      for (int i = image.layers().size() - 1; i >= 0; i--) {
        String c = image.layers().get(i);
        if (!stillUsed.contains(c) && !doomed.contains(c)) {
          doomed.add(c);
        }
      }
      for (Root r : chunks.roots(CacheRecord.PREFIX)) {
        CacheRecord c = JsonCodec.read(r.payload(), CacheRecord.class, r.name());
        if (c.chainId() != null && doomed.contains(c.chainId())) {
          changes.add(new RootChange.Remove(r.name()));
        }
      }
      commit(changes);
      out.add("Deleted: " + id);
      if (!doomed.isEmpty()) {
        layers.remove(doomed);
      }
      return out;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The images row of {@code strata system df}; {@code inUse} tells which a container uses. */
  public ImageDiskUsage diskUsage(Predicate<String> inUse) {
    lock.readLock().lock();
    try {
      RoaringBitmap all = new RoaringBitmap();
      RoaringBitmap used = new RoaringBitmap();
      int active = 0;
      Map<String, ImageRecord> images = images();
      for (ImageRecord im : images.values()) {
        RoaringBitmap s = chunkSet(im);
        all.or(s);
        if (inUse.test(im.id())) {
          used.or(s);
          active++;
        }
      }
      return new ImageDiskUsage(
          images.size(),
          active,
          chunks.storedBytes(all),
          chunks.storedBytes(RoaringBitmap.andNot(all, used)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Builds {@code dockerfile} against the context directory {@code context} of this host and tags
   * the result; {@code log} gets Docker's classic step lines.
   */
  public ImportResult build(
      String dockerfile, List<String> tags, Path context, Consumer<String> log) throws IOException {
    return build(dockerfile, tags, BuildOptions.DEFAULT, context, log);
  }

  /** {@link #build(String, List, Path, Consumer)} with {@code docker build}'s options. */
  public ImportResult build(
      String dockerfile,
      List<String> tags,
      BuildOptions options,
      Path context,
      Consumer<String> log)
      throws IOException {
    return build(
        dockerfile, tags, options, (LayerStore.TreeWriter) fs -> HostTree.copy(context, fs), log);
  }

  /** {@link #build(String, List, Path, Consumer)} with the context streamed in as a tar. */
  public ImportResult build(
      String dockerfile, List<String> tags, InputStream contextTar, Consumer<String> log)
      throws IOException {
    return build(dockerfile, tags, BuildOptions.DEFAULT, contextTar, log);
  }

  /** {@link #build(String, List, BuildOptions, Path, Consumer)} with the context as a tar. */
  public ImportResult build(
      String dockerfile,
      List<String> tags,
      BuildOptions options,
      InputStream contextTar,
      Consumer<String> log)
      throws IOException {
    return build(
        dockerfile,
        tags,
        options,
        (LayerStore.TreeWriter) fs -> LayerStore.extract(fs, contextTar, "/", "build context"),
        log);
  }

  private ImportResult build(
      String dockerfile,
      List<String> tags,
      BuildOptions options,
      LayerStore.TreeWriter context,
      Consumer<String> log)
      throws IOException {
    Dockerfile file = Dockerfile.parse(dockerfile);
    List<ImageRef> refs = tags.stream().map(ImageRef::parse).toList();
    lock.writeLock().lock();
    try {
      return new ImageBuilder(this, chunks).run(file, refs, options, context, log);
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---- metadata ----

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

  private Map<String, ImageRecord> images() {
    Map<String, ImageRecord> out = new TreeMap<>();
    for (Root r : chunks.roots(ImageRecord.PREFIX)) {
      ImageRecord im = JsonCodec.read(r.payload(), ImageRecord.class, r.name());
      out.put(im.id(), im);
    }
    return out;
  }

  /** Tag → image id. */
  private Map<String, String> tagged() {
    Map<String, String> out = new TreeMap<>();
    for (Root r : chunks.roots(TAG_PREFIX)) {
      out.put(
          r.name().substring(TAG_PREFIX.length()),
          new String(r.payload(), StandardCharsets.US_ASCII));
    }
    return out;
  }

  private List<String> tagsOf(String id) {
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

  private RoaringBitmap chunkSet(ImageRecord im) {
    RoaringBitmap s = new RoaringBitmap();
    for (String c : im.layers()) {
      s.or(layers.chunkSet(c));
    }
    return s;
  }

  /** Layers images use, plus those the build cache holds and their parents. */
  private Set<String> liveLayers() {
    Set<String> live = new HashSet<>();
    images().values().forEach(im -> live.addAll(im.layers()));
    Map<String, LayerRecord> all = layers.all();
    for (Root r : chunks.roots(CacheRecord.PREFIX)) {
      String c = JsonCodec.read(r.payload(), CacheRecord.class, r.name()).chainId();
      while (c != null && live.add(c)) {
        LayerRecord l = all.get(c);
        c = l == null ? null : l.parent();
      }
    }
    return live;
  }
}

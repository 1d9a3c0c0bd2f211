package io.strata.store.image;

import io.strata.store.Engine;
import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.archive.ArchiveImages;
import io.strata.store.image.archive.ArchiveImport;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.image.archive.ExportTarget;
import io.strata.store.image.archive.HostImport;
import io.strata.store.image.archive.HostTree;
import io.strata.store.image.archive.ImageExport;
import io.strata.store.image.build.BuildOptions;
import io.strata.store.image.build.ImageBuilder;
import io.strata.store.image.layer.ImportLimits;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerCodec;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The images of a data root: what {@code strata image ...} and {@code strata build} call. Layers
 * are driver snapshots named by chain id (see {@link LayerStore}); images, tags and the build cache
 * are roots of the chunk store ({@code img/image/}, {@code img/tag/}, {@code img/cache/}, and on a
 * node of a fleet {@code img/catalogued/}), so each change to them is one atomic, durable commit.
 * An import records its image and tags only after every layer is in; if it fails, the layers it
 * added are removed again, and after a crash {@link #open} removes them. Changes are serialized;
 * reads run alongside each other.
 */
public final class ImageStore {
  private final ChunkStore chunks;
  private final StorageDriver driver;
  private final Path tmpDir;
  private final ImportLimits limits;
  private final LayerStore layers;
  private final ImageRecords records;
  private final ImageQueries queries;
  private final ImageRemovals removals;
  private final ImageImports imports;
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
    this.limits = limits;
    this.layers = new LayerStore(chunks, driver, limits);
    this.records = new ImageRecords(chunks);
    this.queries = new ImageQueries(chunks, layers, records);
    this.removals = new ImageRemovals(records, layers);
    this.plans = new TransferPlans(chunks, layers);
    this.imports = new ImageImports(layers, records, plans, new BlobService(chunks), chunks);
    layers.recover(records.liveLayers(layers));
  }

  /** What each layer an import or commit makes may expand to. */
  public ImportLimits limits() {
    return limits;
  }

  /**
   * Whether {@code chunks} holds the layer with chain id {@code chainId} ({@code sha256:<hex>}), as
   * an import or pull leaves it ({@link LayerStore#holds}).
   */
  public static boolean holdsLayer(ChunkStore chunks, String chainId) {
    return LayerStore.holds(chunks, chainId);
  }

  /**
   * The id of the image {@code tag} ({@code repository:tag}, as {@link ImageRef} prints it) names
   * in {@code chunks}, or null when no image has that tag: the registry serves a tag it published
   * from an image only while the tag still names that image.
   */
  public static String taggedImage(ChunkStore chunks, String tag) {
    Root r = chunks.root(ImageRecords.TAG_PREFIX + tag);
    return r == null ? null : new String(r.payload(), StandardCharsets.US_ASCII);
  }

  /**
   * The digest of the manifest an export of {@code tag} gives when the image arrived with one (a
   * pull, a push, an OCI layout), or null: none, or no such tag (the export makes its own).
   */
  public static String exportedManifest(ChunkStore chunks, String tag) {
    String id = taggedImage(chunks, tag);
    Root r = id == null ? null : chunks.root(ImageRecord.rootName(id));
    if (r == null) {
      return null;
    }
    Arrival a = JsonCodec.read(r.payload(), ImageRecord.class, r.name()).arrivalFor(tag);
    return a == null ? null : a.digest();
  }

  /**
   * Whether {@code repoDigest} ({@code REPOSITORY@sha256:...}) names image {@code id} in {@code
   * chunks}: the image arrived with that manifest in that repository, or was pulled by that
   * reference. The registry serves a manifest it published by digest only while so.
   */
  public static boolean namesByDigest(ChunkStore chunks, String id, String repoDigest) {
    try {
      return id.equals(new ImageRecords(chunks).resolve(repoDigest));
    } catch (NotFoundException | InvalidArgumentException e) {
      return false;
    }
  }

  /**
   * Whether {@code change} gives, moves or takes a tag ({@link #taggedImage}): a tag the registry
   * published from the image it named may be stale after it.
   */
  public static boolean changesATag(io.strata.store.ref.RootChange change) {
    return change.name().startsWith(ImageRecords.TAG_PREFIX);
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
      receive(plan, true);
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
    ImageStore images =
        new ImageStore(engine.chunks(), engine.storage(), engine.dataRoot().resolve("tmp"));
    engine.beforeGc(images.layers::removeDeferred);
    return images;
  }

  /** The layers under the images (for tests that make a layer no image uses). */
  LayerStore layers() {
    return layers;
  }

  // ---- import ----

  /**
   * Imports {@code path} from this host: an OCI layout directory ({@code dir} or {@code dir:tag}),
   * a docker-save archive, an OCI layout in a tar, a plain directory or a plain tar; a tar may be
   * compressed (gzip, bzip2, xz, zstd). {@code tag} (null: none) names the image; archives also
   * keep their own tags.
   */
  public ImportResult importPath(String path, String tag) throws IOException {
    return importPath(path, tag, null);
  }

  /**
   * {@link #importPath(String, String)} of an image a registry pull fetched: {@code pulledAs}
   * ({@code REPOSITORY@sha256:...}, null: none) is the reference the pull named it by, kept as its
   * {@code RepoDigests} entry for that repository when it is not the manifest's own digest (a
   * multi-platform index's, or a pull by digest with no tag).
   */
  public ImportResult importPath(String path, String tag, String pulledAs) throws IOException {
    return importPath(path, tag, pulledAs, new StopSignal());
  }

  /**
   * {@link #importPath(String, String, String)}, reading its source through {@code stop}: once it
   * is raised (the client cancelled), the import ends at its next read, keeping nothing.
   */
  public ImportResult importPath(String path, String tag, String pulledAs, StopSignal stop)
      throws IOException {
    return importPath(path, tag, pulledAs, Set.of(), stop);
  }

  /**
   * {@link #importPath(String, String, String, StopSignal)} of an image a pull fetched without the
   * layer blobs {@code leftOut}, which {@link #heldLayers} said this store holds: they are taken
   * from the store, not read (one no longer held fails the import, which keeps nothing).
   */
  public ImportResult importPath(
      String path, String tag, String pulledAs, Set<String> leftOut, StopSignal stop)
      throws IOException {
    String pulled = pulledAs == null ? null : ImageRef.digestReference(pulledAs);
    try (HostImport source = HostImport.path(path, layers, chunks, tmpDir, limits, stop)) {
      if (!leftOut.isEmpty()) {
        if (source.archive() == null) {
          throw new InvalidArgumentException(
              "image.import: layer blobs were left out of " + path + ", which is no image archive");
        }
        source.archive().leftOut(leftOut, imports.held());
      }
      return importHost(source, tag, pulled);
    }
  }

  /**
   * For each layer of an image (its config's {@code diffIds}, its manifest's layer blob {@code
   * digests}, bottom first): whether this store holds the layer and can give back that very blob,
   * so that a pull need not fetch it, as Docker's says "Already exists".
   */
  public List<Boolean> heldLayers(List<String> diffIds, List<String> digests) throws IOException {
    return reading(() -> imports.heldLayers(diffIds, digests));
  }

  /**
   * Imports an archive streamed in (a docker-save archive, an OCI layout as a tar, or a plain tar):
   * spooled to the data root's tmp directory first, since an archive's manifest may come after its
   * layers.
   */
  public ImportResult importStream(InputStream in, String tag) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(tmpDir);
    Path spool = Files.createTempFile(tmpDir, "import-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(spool)) {
        in.transferTo(out);
      }
      try (HostImport source =
          HostImport.file(spool, null, layers, chunks, tmpDir, limits, new StopSignal())) {
        return importHost(source, tag, null);
      }
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
    return importSingleLayer(() -> layers.importPlainTar(in, what), tag);
  }

  /** How many plain tars were imported by reading their tree back (not sent in canonical form). */
  long plainTarsReadBack() {
    return layers.plainTarsReadBack();
  }

  private ImportResult importHost(HostImport source, String tag, String pulledAs)
      throws IOException {
    if (source.archive() != null) {
      return importArchive(source.archive(), source.select(), tag, pulledAs);
    }
    return importSingleLayer(source::layer, tag);
  }

  private ImportResult importSingleLayer(ImageImports.LayerImport layer, String tag)
      throws IOException {
    ImageRef ref = tag == null ? null : ImageRef.parse(tag);
    return changing(() -> imports.singleLayer(layer, ref));
  }

  /**
   * Imports the images of {@code archive} ({@code select}: only the OCI layout's images of that ref
   * name), each tagged as the archive tags it or, with {@code tag}, with that tag alone. Nothing is
   * recorded and nothing stays if any image fails.
   */
  private ImportResult importArchive(
      ArchiveImport archive, String select, String tag, String pulledAs) throws IOException {
    List<ArchiveImages.Image> found = archive.images(select, t -> ImageRef.parse(t).toString());
    ImageRef override = tag == null ? null : ImageRef.parse(tag);
    return changing(() -> imports.archive(archive, found, override, pulledAs));
  }

  /**
   * Imports the image whose manifest (OCI or docker schema 2; an index imports each image it lists)
   * is blob {@code manifest} of {@code blobs}, as an import of an OCI layout holding it would, and
   * tags it {@code tag} (null: none), pulled as {@code pulledAs} (see {@link #importPath(String,
   * String, String)}). Layers and config are verified against their digests; refused with {@link
   * InvalidArgumentException}, the store unchanged, for what an import would refuse.
   */
  public ImportResult importManifest(
      BlobFiles blobs,
      Digest manifest,
      String mediaType,
      long size,
      String tag,
      String pulledAs,
      String what)
      throws IOException {
    String pulled = pulledAs == null ? null : ImageRef.digestReference(pulledAs);
    try (ArchiveImport archive =
        ArchiveImport.manifest(blobs, manifest, mediaType, size, what, layers, chunks)) {
      return importArchive(archive, null, tag, pulled);
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
    return changing(() -> imports.commitLayer(base, changeTar, refs, createdBy));
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
        try {
          archive.add(exporter(ref, codec), t);
        } catch (CorruptDataException e) {
          throw e.within("image " + ref);
        }
      }
      archive.finish(t);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void export(String ref, ExportFormat format, LayerCodec codec, ExportTarget target)
      throws IOException {
    lock.readLock().lock();
    try {
      ImageExport exporter = exporter(ref, codec);
      if (format == ExportFormat.OCI) {
        exporter.oci(target);
      } else {
        exporter.dockerArchive(target);
      }
    } catch (CorruptDataException e) {
      // the user asked for the image by this name: the layer and the damage's words follow it
      throw e.within("image " + ref);
    } finally {
      lock.readLock().unlock();
    }
  }

  private ImageExport exporter(String ref, LayerCodec codec) {
    return new ImageExport(
        layers, new BlobService(chunks), records.exported(ref, layers), codec, tmpDir);
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
    return reading(
        () -> {
          String id = resolve(ref);
          ImageRecord image = records.image(id);
          return plans.plan(
              image, cut, records.transferName(ref, id), records.arrivalOf(image, ref));
        });
  }

  /**
   * The plan of what tag {@code tag} names in this store, unnamed, for the fleet's catalogue: the
   * image and the manifest an export by the tag gives. Never asks the fleet: a tag removed here
   * meanwhile is {@link NotFoundException}, not made again from the catalogue.
   */
  public TransferPlan catalogueEntryPlan(String tag, ContentCut cut) throws IOException {
    return reading(
        () -> {
          String id = records.tagged().get(tag);
          if (id == null) {
            throw new NotFoundException("image " + tag + " not found");
          }
          ImageRecord image = records.image(id);
          return plans.plan(image, cut, "", image.arrivalFor(tag));
        });
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
      plans.send(records.image(resolve(id)), cut, wanted, out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The chunks of {@code plan} this store lacks, in the plan's order, with their lengths. */
  public Map<Digest, Integer> missing(TransferPlan plan) {
    return query(() -> plans.missing(plan, "transferred image " + plan.imageId()));
  }

  /**
   * Makes the image of {@code plan} from its chunks, which must all be here now (received into a
   * {@link ChunkIntake}): each missing layer is rebuilt byte for byte and checked against its
   * diff_id, then the image is recorded under the plan's name, and the plan's pinned chunks are
   * released. Nothing is recorded if any layer fails.
   */
  public ImportResult receive(TransferPlan plan) throws IOException {
    return receive(plan, false);
  }

  /** {@link #receive}; {@code fromCatalogue}: the plan is the fleet catalogue's, so is its tag. */
  private ImportResult receive(TransferPlan plan, boolean fromCatalogue) throws IOException {
    // a plan named REPOSITORY@DIGEST (sent by digest) arrives untagged, pulled by that reference
    boolean byDigest = plan.name().indexOf('@') > 0;
    List<ImageRef> tags =
        plan.name().isEmpty() || byDigest ? List.of() : List.of(ImageRef.parse(plan.name()));
    String pulledAs = byDigest ? plan.name() : null;
    ImportResult result = changing(() -> imports.received(plan, tags, pulledAs, fromCatalogue));
    ChunkIntake.release(chunks, plan.id());
    return result;
  }

  // ---- the fleet's catalogue ----

  /**
   * A tag as this node has it ({@code local}: the id of the image it names; null: no such tag here)
   * and as it last knew the fleet's catalogue to have it ({@code catalogued}: it published the tag
   * or made the image from the catalogue's; null: neither, or it carried a removal there since).
   * The manifest a publication names is the one the export gives when it is published ({@link
   * #catalogueEntryPlan}).
   */
  public record FleetTag(String tag, String local, CataloguedImage catalogued) {
    /**
     * Whether the catalogue lacks what this node did to the tag: a tag made (also again, with a new
     * manifest: an image imported from a plain tar and pushed later), moved or removed. Each write
     * of a tag here drops its mark in its own commit, so the image ids tell. The manifest a tag
     * exports changing without a write to it (another tag of the image, or a pull by digest,
     * bringing a newer manifest, which a tag with none of its own then exports) is not this node's
     * doing: publishing it would roll back what another node did to the tag since (AP2).
     */
    public boolean unpublished() {
      return local == null
          ? catalogued != null
          : catalogued == null || !local.equals(catalogued.id());
    }
  }

  /** Whether {@code change} records a tag this node took from the fleet's catalogue. */
  public static boolean fromCatalogue(RootChange change, String tag) {
    return change instanceof RootChange.Put p
        && p.name().equals(ImageRecords.CATALOGUED_PREFIX + tag);
  }

  /** The tag a change to a tag root names, or null when {@code change} is not to one. */
  public static String changedTag(RootChange change) {
    return change.name().startsWith(ImageRecords.TAG_PREFIX)
        ? change.name().substring(ImageRecords.TAG_PREFIX.length())
        : null;
  }

  /** {@code tag} here and in the catalogue as this node knows it ({@link FleetTag}). */
  public FleetTag fleetTag(String tag) {
    return query(() -> new FleetTag(tag, taggedImage(chunks, tag), records.catalogued(tag)));
  }

  /** The tags whose changes here the catalogue lacks ({@link FleetTag#unpublished}). */
  public List<FleetTag> unpublishedTags() {
    return query(
        () -> {
          Map<String, String> local = records.tagged();
          Map<String, CataloguedImage> marks = records.catalogued();
          Set<String> names = new TreeSet<>(local.keySet());
          names.addAll(marks.keySet());
          List<FleetTag> out = new ArrayList<>();
          for (String t : names) {
            FleetTag f = new FleetTag(t, local.get(t), marks.get(t));
            if (f.unpublished()) {
              out.add(f);
            }
          }
          return out;
        });
  }

  /**
   * Records that the fleet's catalogue now names {@code image} by {@code tag} (null: has no such
   * tag), as this node just made it.
   */
  public void catalogued(String tag, CataloguedImage image) throws IOException {
    changing(
        () -> {
          if (!Objects.equals(records.catalogued(tag), image)) {
            records.commit(
                List.of(
                    image == null
                        ? new RootChange.Remove(ImageRecords.CATALOGUED_PREFIX + tag)
                        : ImageRecords.mark(tag, image)));
          }
          return null;
        });
  }

  // ---- queries ----

  /** Every image, one row per tag (untagged images once, as {@code <none>}). */
  public List<ImageSummary> list() {
    return query(queries::list);
  }

  /**
   * What a user calls each root this store keeps ({@code img/...}, the layers' snapshots {@code
   * snap/sha256:...}): {@code image NAME:TAG} for each tag of each image that uses it (the short id
   * of an untagged one), {@code layer sha256:...} for a layer no image uses. fsck names damage by
   * these.
   */
  public Map<String, List<String>> rootNames() {
    return query(() -> ImageRootNames.of(chunks, records, layers));
  }

  /** Each image's logical size by id (see {@link ImageQueries#logicalSizes}). */
  public Map<String, Long> logicalSizes() {
    return query(queries::logicalSizes);
  }

  /** One row per layer, top first. */
  public List<HistoryEntry> history(String ref) {
    fetchIfMissingUnchecked(ref);
    return query(() -> queries.history(ref));
  }

  /** What {@code strata image inspect} shows. */
  public ImageDetails inspect(String ref) {
    fetchIfMissingUnchecked(ref);
    return query(() -> queries.inspect(ref));
  }

  /** The images row of {@code strata system df}; {@code inUse} tells which a container uses. */
  public ImageDiskUsage diskUsage(Predicate<String> inUse) {
    return diskUsage(inUse, ids -> root -> false);
  }

  /**
   * The images row of {@code strata system df}; {@code inUse} tells which a container uses, {@code
   * alsoFreed} which roots outside this store go with the images no container uses (given their
   * ids): the registry's views of them.
   */
  public ImageDiskUsage diskUsage(
      Predicate<String> inUse, Function<Set<String>, Predicate<String>> alsoFreed) {
    return query(() -> queries.diskUsage(inUse, alsoFreed));
  }

  /** Work done under one of the store's locks. */
  private interface Locked<T> {
    T run() throws IOException;
  }

  /** {@code work} under the write lock: changes are serialised. */
  private <T> T changing(Locked<T> work) throws IOException {
    lock.writeLock().lock();
    try {
      return work.run();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@code work} under the read lock: reads run alongside each other, never beside a change. */
  private <T> T reading(Locked<T> work) throws IOException {
    lock.readLock().lock();
    try {
      return work.run();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@code query} under the read lock, as {@link #reading}. */
  private <T> T query(Supplier<T> query) {
    lock.readLock().lock();
    try {
      return query.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The image id {@code ref} names: a {@code repository[:tag]}, a full id, or a unique prefix of at
   * least 4 hex digits of one.
   */
  public String resolve(String ref) {
    return records.resolve(ref);
  }

  // ---- changes ----

  /** Gives image {@code src} the tag {@code dst} (moved if another image had it). */
  public void tag(String src, String dst) throws IOException {
    ImageRef t = ImageRef.parse(dst);
    fetchIfMissing(src);
    lock.writeLock().lock();
    try {
      records.tag(src, t);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@link #remove(String, boolean, Predicate)} unforced. */
  public List<String> remove(String ref, Predicate<String> inUse) throws IOException {
    return remove(ref, false, inUse);
  }

  /**
   * Removes {@code ref} as docker's {@code rmi [-f]} does (see {@link ImageRemovals}): a tag of an
   * image with other tags, or a {@code REPOSITORY@DIGEST} of an image with other references,
   * removes only that reference; otherwise the image goes, with its references, and then its layers
   * that no other image uses (top down). An id of an image referenced in more than one repository
   * (or by more than one tag) is refused with {@link ConflictException} unless {@code force}; so
   * is, forced or not, an image {@code inUse} says a container uses (given its id). Returns what
   * was removed ({@code Untagged: ref} and {@code Deleted: id} lines).
   */
  public List<String> remove(String ref, boolean force, Predicate<String> inUse)
      throws IOException {
    return removeNamingUsers(ref, force, id -> inUse.test(id) ? List.of("a container") : List.of());
  }

  /**
   * {@link #remove(String, boolean, Predicate)}, {@code users} naming the containers that use an
   * image (given its id; none: an empty list), so that a refusal names them.
   */
  public List<String> removeNamingUsers(
      String ref, boolean force, Function<String, List<String>> users) throws IOException {
    lock.writeLock().lock();
    try {
      return removals.remove(ref, force, users);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * An image as {@link #prune}'s filter sees it.
   *
   * @param id the image id
   * @param created when it was made (RFC 3339), null when unknown
   * @param labels its config's labels
   */
  public record PruneCandidate(String id, String created, Map<String, String> labels) {}

  /**
   * {@code docker image prune [-a]}: removes the images no container uses ({@code users} names
   * none) that {@code chosen} accepts, only untagged ones unless {@code all}; each whole, as {@code
   * rmi -f ID} (its tags and pulled-by references with it), then its layers no other image uses.
   * Chosen and removed under one hold of the write lock, so nothing can be tagged, built on or made
   * in between: the filter decides on what is removed. Returns each removal's lines ({@code
   * Untagged: ref}, {@code Deleted: id}).
   */
  public List<List<String>> prune(
      boolean all, Predicate<PruneCandidate> chosen, Function<String, List<String>> users)
      throws IOException {
    return changing(
        () -> {
          Set<String> tagged = new HashSet<>(records.tagged().values());
          List<List<String>> out = new ArrayList<>();
          for (ImageRecord im : List.copyOf(records.images().values())) {
            boolean candidate =
                (all || !tagged.contains(im.id()))
                    && users.apply(im.id()).isEmpty()
                    && chosen.test(new PruneCandidate(im.id(), im.created(), im.labels()));
            if (candidate) {
              out.add(removals.remove(im.id(), true, users));
            }
          }
          return out;
        });
  }

  /**
   * {@code docker builder prune}: forgets the build cache's entries, with {@code all} every one,
   * else those whose layer no image uses (the ones that hold space of their own), then removes the
   * layers nothing keeps any more (no image uses them, no entry left builds on them), top down.
   * Their chunks go at the next gc. Returns the chain ids of the layers removed.
   */
  public BuildCachePrune pruneBuildCache(boolean all) throws IOException {
    return changing(
        () -> {
          Set<String> used = records.imageLayers();
          List<io.strata.store.ref.RootChange> forget =
              io.strata.store.image.build.BuildCache.forgetWhere(
                  chunks, chain -> all || !used.contains(chain));
          records.commit(forget);
          List<String> gone = layers.outsideTopDown(records.liveLayers(layers));
          if (!gone.isEmpty()) {
            layers.remove(gone);
          }
          return new BuildCachePrune(forget.size(), gone);
        });
  }

  /**
   * What {@link #pruneBuildCache} removed.
   *
   * @param entries the build cache's entries forgotten
   * @param layers the layers removed, top down
   */
  public record BuildCachePrune(int entries, List<String> layers) {}

  /**
   * The build cache as {@code system df} counts it (docker's "Build Cache" row): its entries, those
   * whose layer an image uses (active), and the layers only it keeps, whose bytes a builder prune
   * frees.
   *
   * @param entries the cache's entries
   * @param active entries whose layer an image uses
   * @param size pack bytes of every chunk the layers only the cache keeps use
   * @param reclaimable pack bytes only those layers use: what a builder prune and a gc free
   * @param cacheOnly the layers only the cache keeps (their chain ids)
   */
  public record BuildCacheUse(
      int entries, int active, long size, long reclaimable, List<String> cacheOnly) {}

  /** The build cache's entries and the layers only it keeps. */
  public BuildCacheUse buildCacheUse() throws IOException {
    return reading(
        () -> {
          Set<String> used = records.imageLayers();
          List<String> tops = io.strata.store.image.build.BuildCache.layers(chunks);
          int active = 0;
          for (String t : tops) {
            if (used.contains(t)) {
              active++;
            }
          }
          List<String> cacheOnly = new ArrayList<>();
          for (String c : records.liveLayers(layers)) {
            if (!used.contains(c)) {
              cacheOnly.add(c);
            }
          }
          org.roaringbitmap.RoaringBitmap all = new org.roaringbitmap.RoaringBitmap();
          Set<String> roots = new HashSet<>();
          for (String c : cacheOnly) {
            all.or(layers.chunkSet(c));
            roots.add(io.strata.store.image.layer.LayerRecord.rootName(c));
            roots.add(io.strata.store.driver.Snapshot.rootName(c));
          }
          long reclaimable =
              cacheOnly.isEmpty()
                  ? 0
                  : io.strata.store.disk.RemovalSpace.of(chunks, roots::contains).reclaimable();
          return new BuildCacheUse(
              tops.size(), active, chunks.storedBytes(all), reclaimable, cacheOnly);
        });
  }

  // ---- build ----

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
    ImageBuilder builder = new ImageBuilder(dockerfile, chunks, driver, layers, records::base);
    List<ImageRef> refs = tags.stream().map(ImageRef::parse).toList();
    return changing(() -> imports.built(builder.run(options, context, log), refs, log));
  }
}

package io.strata.store.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.error.NotFoundException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.ref.Root;
import io.strata.store.transfer.ChunkPiece;
import io.strata.store.transfer.ChunkRecordStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.roaringbitmap.RoaringBitmap;

/**
 * The registry's side of Strata-to-Strata pulls: the chunk-index artifact of an image manifest (an
 * OCI manifest whose {@code subject} is the image's and whose layers are one {@link
 * LayerChunkIndex} each), made and stored once the image's layers have settled (the server's {@code
 * ChunkIndexMaker} calls {@link #publish}), an ordinary untagged artifact to plain clients; and
 * which chunks a chunk request may ask for (those of layers the repository holds).
 */
public final class ChunkIndexPublisher {
  /** The empty config every artifact without a config of its own uses (image-spec 1.1). */
  public static final String EMPTY_CONFIG_TYPE = "application/vnd.oci.empty.v1+json";

  private static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ChunkStore chunks;
  private final BlobService blobs;
  private final RegistryStore registry;

  public ChunkIndexPublisher(ChunkStore chunks, BlobService blobs, RegistryStore registry) {
    this.chunks = chunks;
    this.blobs = blobs;
    this.registry = registry;
  }

  /**
   * The chunk-index artifact of manifest {@code subject} of {@code repo}, stored now if it was not
   * yet. Null when there is none to make: the subject is no image manifest, none of its layers is a
   * gzip blob kept as chunks and a recipe, or one of its layers is still {@code settling} (stored
   * whole, its recipe job not yet run: an index made now would send it whole for good).
   */
  public Descriptor publish(String repo, Digest subject, Predicate<Digest> settling)
      throws IOException {
    return make(repo, subject, settling).index();
  }

  /**
   * What {@link #make} did: the chunk index stored (or found), or, {@code index} null, why none was
   * made, in words for the log.
   */
  public record Outcome(Descriptor index, String none) {
    static Outcome none(String why) {
      return new Outcome(null, why);
    }
  }

  /** {@link #publish}, saying why when no index is made: nothing is skipped without a word. */
  public synchronized Outcome make(String repo, Digest subject, Predicate<Digest> settling)
      throws IOException {
    for (Descriptor d : registry.referrers(repo, subject, LayerChunkIndex.ARTIFACT_TYPE)) {
      return new Outcome(d, null);
    }
    Descriptor s;
    try {
      s = registry.manifest(repo, subject.toString());
    } catch (NotFoundException e) {
      return Outcome.none("the manifest is no longer in the repository");
    }
    byte[] body = registry.manifestBytes(s);
    ManifestDocument doc = RegistryStore.read(body, s.mediaType(), "manifest " + subject);
    if (!doc.isImage()) {
      return Outcome.none("it is no image manifest");
    }
    List<Digest> layers = new ArrayList<>();
    for (JsonNode l : MAPPER.readTree(body).path("layers")) {
      layers.add(Digest.parse(l.path("digest").asText()));
    }
    boolean anyChunked = false;
    for (Digest l : layers) {
      if (!registry.hasBlob(repo, l)) {
        return Outcome.none("layer " + l + " is not in the repository");
      }
      if (settling.test(l)) {
        return Outcome.none("layer " + l + " is still stored whole, waiting for its recipe job");
      }
      anyChunked |= blobs.gzipRecipe(l) != null;
    }
    if (!anyChunked) {
      // every layer would be fetched whole: an index would save nothing
      return Outcome.none("no layer is a gzip blob kept as chunks and a recipe");
    }
    ObjectNode m =
        MAPPER
            .createObjectNode()
            .put("schemaVersion", 2)
            .put("mediaType", ManifestDocument.OCI_MANIFEST)
            .put("artifactType", LayerChunkIndex.ARTIFACT_TYPE);
    Digest empty = Digest.sha256(EMPTY_CONFIG, 0, EMPTY_CONFIG.length);
    registry.putBlob(repo, empty, new ByteArrayInputStream(EMPTY_CONFIG));
    m.putObject("config")
        .put("mediaType", EMPTY_CONFIG_TYPE)
        .put("digest", empty.toString())
        .put("size", EMPTY_CONFIG.length);
    ArrayNode list = m.putArray("layers");
    for (Digest l : layers) {
      byte[] index = index(l).encodeZstd();
      Digest d = Digest.sha256(index, 0, index.length);
      registry.putBlob(repo, d, new ByteArrayInputStream(index));
      ObjectNode e =
          list.addObject()
              .put("mediaType", LayerChunkIndex.LAYER_TYPE_ZSTD)
              .put("digest", d.toString())
              .put("size", index.length);
      e.putObject("annotations").put(LayerChunkIndex.LAYER_ANNOTATION, l.toString());
    }
    m.putObject("subject")
        .put("mediaType", s.mediaType())
        .put("digest", subject.toString())
        .put("size", s.size());
    byte[] manifest = MAPPER.writeValueAsBytes(m);
    // under the store's lock, as a DELETE of the subject is: an artifact stored after that DELETE
    // would outlive its subject, which the DELETE takes its artifacts with
    synchronized (registry) {
      if (!registry.hasManifest(repo, subject)) {
        return Outcome.none("the manifest was deleted while its index was made");
      }
      return new Outcome(
          registry.putManifest(repo, null, manifest, ManifestDocument.OCI_MANIFEST), null);
    }
  }

  /** An image manifest of a repository. */
  public record ManifestRef(String repo, Digest digest) {}

  /**
   * Every image manifest of every repository that no chunk index lists as its subject: after a
   * start, those pushed before indexes were made at push time (they were made at the first
   * referrers request), and those whose layers had not settled when the server stopped. One pass
   * over the manifest records.
   */
  public List<ManifestRef> unindexed() {
    List<ManifestRef> images = new ArrayList<>();
    java.util.Set<ManifestRef> indexed = new java.util.HashSet<>();
    for (Root r : chunks.roots(RegistryStore.MANIFEST)) {
      String name = r.name().substring(RegistryStore.MANIFEST.length());
      int at = name.lastIndexOf('@');
      String repo = name.substring(0, at);
      Descriptor d;
      try {
        d = registry.manifest(repo, "sha256:" + name.substring(at + 1));
      } catch (NotFoundException e) {
        continue; // deleted meanwhile
      }
      if (LayerChunkIndex.ARTIFACT_TYPE.equals(d.artifactType()) && d.subject() != null) {
        indexed.add(new ManifestRef(repo, d.subject()));
      } else if (d.artifactType() == null
          && (d.mediaType().equals(ManifestDocument.OCI_MANIFEST)
              || d.mediaType().equals(ManifestDocument.DOCKER_MANIFEST))) {
        images.add(new ManifestRef(repo, d.digest()));
      }
    }
    images.removeAll(indexed);
    return images;
  }

  /**
   * The layer blobs image manifest {@code d} of {@code repo} names, bottom first; empty when it is
   * no image manifest (an index, an artifact) or is gone.
   */
  public List<Digest> layers(String repo, Digest d) throws IOException {
    Descriptor s;
    try {
      s = registry.manifest(repo, d.toString());
    } catch (NotFoundException e) {
      return List.of();
    }
    byte[] body = registry.manifestBytes(s);
    if (!RegistryStore.read(body, s.mediaType(), "manifest " + d).isImage()) {
      return List.of();
    }
    List<Digest> layers = new ArrayList<>();
    for (JsonNode l : MAPPER.readTree(body).path("layers")) {
      layers.add(Digest.parse(l.path("digest").asText()));
    }
    return layers;
  }

  /** What layer blob {@code layer} is made of, as this store keeps it. */
  LayerChunkIndex index(Digest layer) {
    GzipRecipe gzip = blobs.gzipRecipe(layer);
    if (gzip == null) {
      return new LayerChunkIndex(layer, null, List.of());
    }
    Recipe r = blobs.recipe(layer);
    List<ChunkPiece> pieces = new ArrayList<>(r.count());
    for (int i = 0; i < r.count(); i++) {
      pieces.add(new ChunkPiece(chunks.digest(r.id(i)), r.length(i)));
    }
    return new LayerChunkIndex(layer, gzip, pieces);
  }

  /**
   * The records of the chunks {@code wanted}, read as the stream is read; each must be a chunk of
   * the uncompressed contents of one of {@code layers}, which {@code repo} must hold (else {@link
   * NotFoundException} naming {@code where}), so no request reads chunks of blobs the repository
   * does not give out.
   */
  public ChunkRecordStream records(
      String repo, List<Digest> layers, List<ChunkPiece> wanted, String where) {
    return new ChunkRecordStream(chunks, wanted, chunksOf(repo, layers), where);
  }

  private RoaringBitmap chunksOf(String repo, List<Digest> layers) {
    RoaringBitmap out = new RoaringBitmap();
    for (Digest l : layers) {
      if (!registry.hasBlob(repo, l)) {
        throw new NotFoundException("blob " + l + " not found in " + repo);
      }
      if (blobs.gzipRecipe(l) != null) {
        out.or(blobs.recipe(l).chunkSet());
      }
    }
    return out;
  }
}

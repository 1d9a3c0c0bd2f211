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
 * LayerChunkIndex} each), made and stored the first time the referrers of that manifest are asked
 * for, so that plain clients see an ordinary untagged artifact; and which chunks a chunk request
 * may ask for (those of layers the repository holds).
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
  public synchronized Descriptor publish(String repo, Digest subject, Predicate<Digest> settling)
      throws IOException {
    for (Descriptor d : registry.referrers(repo, subject, LayerChunkIndex.ARTIFACT_TYPE)) {
      return d;
    }
    Descriptor s;
    try {
      s = registry.manifest(repo, subject.toString());
    } catch (NotFoundException e) {
      return null;
    }
    byte[] body = registry.manifestBytes(s);
    ManifestDocument doc = RegistryStore.read(body, s.mediaType(), "manifest " + subject);
    if (!doc.isImage()) {
      return null;
    }
    List<Digest> layers = new ArrayList<>();
    for (JsonNode l : MAPPER.readTree(body).path("layers")) {
      layers.add(Digest.parse(l.path("digest").asText()));
    }
    boolean anyChunked = false;
    for (Digest l : layers) {
      if (!registry.hasBlob(repo, l) || settling.test(l)) {
        return null;
      }
      anyChunked |= blobs.gzipRecipe(l) != null;
    }
    if (!anyChunked) {
      return null; // every layer would be fetched whole: an index would save nothing
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
    return registry.putManifest(repo, null, manifest, ManifestDocument.OCI_MANIFEST);
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

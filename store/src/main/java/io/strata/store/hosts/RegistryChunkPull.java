package io.strata.store.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.gzip.RegeneratedGzipInputStream;
import io.strata.store.image.ImportResult;
import io.strata.store.image.PulledLayers;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.registry.ChunkIndexSource;
import io.strata.store.registry.ChunkRequest;
import io.strata.store.registry.LayerChunkIndex;
import io.strata.store.registry.ManifestDocument;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkPiece;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * Pulls an image from a Strata registry moving only the chunks this host lacks: the image manifest,
 * its chunk-index artifact (found through the referrers API), the config, then the chunks of the
 * layers' uncompressed tars this store does not hold, in batches, each verified and pinned as it
 * lands (as {@link ImagePull} does between stratads). The image is then imported from the chunks
 * (no decompression) with each layer's recipe, so it exports the same compressed blobs and keeps
 * its manifest's digest; as the import reads a layer, the layer is compressed again by its recipe
 * on another thread and its digest compared with the manifest's before anything is recorded. A
 * layer the registry keeps whole is fetched whole. Nothing is recorded when any check fails.
 *
 * <p>The chunks of each pulled layer stay referenced under {@code reg/pulled/<layer>}: the file
 * chunks are the image's anyway, and what this keeps besides is the tar headers between them, so
 * that the next version of the layer finds its unchanged headers here and does not fetch them. The
 * root goes when the last image whose manifest names that layer blob is removed ({@link
 * PulledLayers}).
 */
public final class RegistryChunkPull {
  /** The roots that keep the chunks of pulled layers (removed with their last image). */
  public static final String PULLED = PulledLayers.PREFIX;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_CONFIG = 8 << 20;

  private final TransferHost host;

  public RegistryChunkPull(TransferHost host) {
    this.host = host;
  }

  /**
   * Pulls {@code reference} (a tag or digest) of repository {@code repository} ({@code
   * registry/name}) from {@code source} and names it {@code tag} (null: untagged); the image keeps
   * {@code repository@digest} of what {@code reference} named as its {@code RepoDigests} entry.
   * Returns null, having recorded nothing, when the registry publishes no chunk index for it (a
   * plain registry, or an image a Strata registry cannot index): the caller then pulls the ordinary
   * way.
   */
  public TransferSummary run(
      String reference,
      String tag,
      String repository,
      ChunkIndexSource source,
      ProgressListener progress)
      throws IOException {
    String where = source.name();
    Wire wire = new Wire();
    Fetched image = manifest(source, reference, wire);
    String pulledAs = repository + "@" + image.digest;
    ManifestDocument doc = document(image, where);
    if (doc.isIndex()) {
      if (doc.children().isEmpty()) {
        return null;
      }
      int pick = Math.max(0, doc.platforms().indexOf("linux/amd64"));
      image = manifest(source, doc.children().get(pick).toString(), wire);
      doc = document(image, where);
    }
    if (!doc.isImage()) {
      return null;
    }
    JsonNode body = MAPPER.readTree(image.body);
    List<Digest> layers = new ArrayList<>();
    for (JsonNode l : body.path("layers")) {
      layers.add(digest(l.path("digest").asText(), where));
    }
    Digest configDigest = digest(body.path("config").path("digest").asText(), where);
    Digest artifact = chunkIndex(source, image.digest, wire);
    if (artifact == null) {
      return null;
    }
    Fetched indexManifest = manifest(source, artifact.toString(), wire);
    List<LayerChunkIndex> indexes = indexes(source, indexManifest, image.digest, layers, wire);
    byte[] config = blob(source, configDigest, MAX_CONFIG, wire);

    Map<Digest, Integer> all = new LinkedHashMap<>();
    List<Digest> chunked = new ArrayList<>();
    for (LayerChunkIndex ix : indexes) {
      if (!ix.keptWhole()) {
        all.putAll(ix.distinct());
        chunked.add(ix.layer());
      }
    }
    ChunkStore chunks = host.chunks();
    Map<Digest, Integer> missing = new LinkedHashMap<>();
    List<Digest> present = new ArrayList<>();
    all.forEach(
        (d, len) -> {
          if (chunks.idOf(d) < 0) {
            missing.put(d, len);
          } else {
            present.add(d);
          }
        });
    progress.start(TransferHost.bytes(missing));
    Digest pinId = Digest.sha256(indexManifest.body, 0, indexManifest.body.length);
    Map<Digest, Path> whole = new HashMap<>();
    try {
      long chunksSent;
      long bytesSent;
      try (ChunkIntake intake =
          new ChunkIntake(chunks, indexManifest.body, Clock.systemUTC())) { // pinned until made
        intake.pinPresent(present);
        for (Map<Digest, Integer> batch : TransferHost.batches(missing)) {
          fetch(source, chunked, batch, intake, wire);
          progress.sent(TransferHost.bytes(batch));
        }
        chunksSent = intake.chunks();
        bytesSent = intake.bytes();
      }
      for (Digest d : missing.keySet()) {
        if (chunks.idOf(d) < 0) {
          throw new RejectedException(where + " did not send chunk " + d + ", asked for");
        }
      }
      for (LayerChunkIndex ix : indexes) {
        if (ix.keptWhole()) {
          whole.put(ix.layer(), wholeLayer(source, ix.layer(), wire));
        }
      }
      Fetched pulled = image;
      BlobFiles files = files(pulled, configDigest, config, indexes, whole, where);
      ImportResult r;
      try {
        r =
            RejectedException.ofContent(
                () ->
                    host.images()
                        .importManifest(
                            files,
                            pulled.digest,
                            pulled.mediaType,
                            pulled.body.length,
                            tag,
                            pulledAs,
                            where + " manifest " + pulled.digest));
      } catch (CorruptDataException e) {
        // a layer whose chunks and recipe do not compress back into it: the import stopped
        throw new RejectedException(
            e.getMessage() + ": its chunks and recipe do not give back the layer");
      }
      keepPulled(indexes);
      return new TransferSummary(
          r.images().get(0).id(),
          tag,
          chunksSent,
          all.size(),
          bytesSent,
          TransferHost.bytes(all),
          wire.bytes);
    } finally {
      for (Path p : whole.values()) {
        Files.deleteIfExists(p);
      }
      // a pull refused (a lying registry) keeps nothing of it: what it pinned goes at the next gc
      ChunkIntake.release(chunks, pinId);
    }
  }

  /** Bytes that crossed the wire, counted as they arrive. */
  private static final class Wire {
    long bytes;
  }

  private record Fetched(byte[] body, String mediaType, Digest digest) {}

  private static Fetched manifest(ChunkIndexSource source, String reference, Wire wire)
      throws IOException {
    ChunkIndexSource.Manifest m = source.manifest(reference);
    wire.bytes += m.body().length;
    Digest d = Digest.sha256(m.body(), 0, m.body().length);
    if (reference.startsWith("sha256:") && !reference.equals(d.toString())) {
      throw new RejectedException(
          source.name() + ": manifest " + reference + " has digest " + d + ", refused");
    }
    return new Fetched(m.body(), m.mediaType(), d);
  }

  private static ManifestDocument document(Fetched m, String where) throws IOException {
    return RejectedException.ofContent(
        () -> ManifestDocument.parse(m.body, m.mediaType, where + " manifest " + m.digest));
  }

  private static Digest digest(String text, String where) {
    try {
      return Digest.parse(text);
    } catch (RuntimeException e) {
      throw new RejectedException(where + ": descriptor digest '" + text + "' is no sha256 digest");
    }
  }

  /** The chunk-index artifact the referrers of {@code subject} list, or null. */
  private static Digest chunkIndex(ChunkIndexSource source, Digest subject, Wire wire)
      throws IOException {
    byte[] index = source.referrers(subject, LayerChunkIndex.ARTIFACT_TYPE);
    if (index == null) {
      return null;
    }
    wire.bytes += index.length;
    JsonNode list;
    try {
      list = MAPPER.readTree(index).path("manifests");
    } catch (IOException e) {
      throw new RejectedException(source.name() + ": referrers of " + subject + ": not JSON");
    }
    for (JsonNode m : list) {
      if (LayerChunkIndex.ARTIFACT_TYPE.equals(m.path("artifactType").asText())) {
        return digest(m.path("digest").asText(), source.name());
      }
    }
    return null;
  }

  /** The layer indexes the artifact lists, checked against the image they claim to describe. */
  private static List<LayerChunkIndex> indexes(
      ChunkIndexSource source, Fetched artifact, Digest subject, List<Digest> layers, Wire wire)
      throws IOException {
    String what = source.name() + " chunk index " + artifact.digest;
    JsonNode m = MAPPER.readTree(artifact.body);
    if (!LayerChunkIndex.ARTIFACT_TYPE.equals(m.path("artifactType").asText())
        || !subject.toString().equals(m.path("subject").path("digest").asText())) {
      throw new RejectedException(what + ": not the chunk index of manifest " + subject);
    }
    JsonNode blobs = m.path("layers");
    if (blobs.size() != layers.size()) {
      throw new RejectedException(
          what + ": " + blobs.size() + " layer indexes for " + layers.size() + " layers");
    }
    List<LayerChunkIndex> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Digest d = digest(blobs.get(i).path("digest").asText(), what);
      String type = blobs.get(i).path("mediaType").asText();
      byte[] bytes = blob(source, d, LayerChunkIndex.MAX_BYTES, wire);
      LayerChunkIndex ix =
          RejectedException.ofContent(
              () -> LayerChunkIndex.decode(type, bytes, what + " blob " + d));
      if (!ix.layer().equals(layers.get(i))) {
        throw new RejectedException(
            what + ": layer " + i + " is " + layers.get(i) + ", its index names " + ix.layer());
      }
      out.add(ix);
    }
    return out;
  }

  /** A small blob, at most {@code max} bytes, checked against its digest. */
  private static byte[] blob(ChunkIndexSource source, Digest d, int max, Wire wire)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    wire.bytes += source.blob(d, new CappedOutputStream(out, max, source.name() + " blob " + d));
    byte[] b = out.toByteArray();
    Digest got = Digest.sha256(b, 0, b.length);
    if (!got.equals(d)) {
      throw new RejectedException(source.name() + ": blob " + d + " has digest " + got);
    }
    return b;
  }

  /** A layer kept whole, fetched into a spool and checked against its digest. */
  private Path wholeLayer(ChunkIndexSource source, Digest d, Wire wire) throws IOException {
    Path file = host.spoolFile("layer-");
    try {
      java.security.MessageDigest sha = Digest.newSha256();
      try (OutputStream out =
          new java.security.DigestOutputStream(
              new BufferedOutputStream(Files.newOutputStream(file)), sha)) {
        wire.bytes += source.blob(d, out);
      }
      Digest got = Digest.of(sha.digest());
      if (!got.equals(d)) {
        throw new RejectedException(source.name() + ": blob " + d + " has digest " + got);
      }
      return file;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /** Fetches one batch of chunk records into a spool, then verifies and stores them. */
  private void fetch(
      ChunkIndexSource source,
      List<Digest> layers,
      Map<Digest, Integer> batch,
      ChunkIntake intake,
      Wire wire)
      throws IOException {
    String where = source.name();
    List<ChunkPiece> wanted = new ArrayList<>(batch.size());
    batch.forEach((d, len) -> wanted.add(new ChunkPiece(d, len)));
    byte[] request = new ChunkRequest(layers, wanted).encode();
    Path spool = host.spoolFile("registry-chunks-");
    try {
      // records exceed their chunks only by headers and what compression adds to random data
      long most = 2 * TransferHost.bytes(batch) + 64L * batch.size();
      try (OutputStream out =
          new CappedOutputStream(
              new BufferedOutputStream(Files.newOutputStream(spool)),
              most,
              "the chunks from " + where)) {
        wire.bytes += request.length + source.chunks(request, out);
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(spool))) {
        RejectedException.ofContent(() -> intake.accept(in, batch, where));
      } catch (CorruptDataException e) {
        throw new RejectedException(e.getMessage());
      }
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /** The uncompressed contents of a chunked layer, read from this store. */
  private InputStream uncompressed(LayerChunkIndex ix, String name) {
    ChunkStore chunks = host.chunks();
    int n = ix.pieces().size();
    int[] ids = new int[n];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      ChunkPiece p = ix.pieces().get(i);
      ids[i] = chunks.idOf(p.digest());
      lengths[i] = p.length();
    }
    Recipe r = new Recipe(ids, lengths);
    return new RecipeInputStream(chunks, r, 0, r.size(), name);
  }

  /** The image's blobs as an import reads them: chunked layers from this store's chunks. */
  private BlobFiles files(
      Fetched image,
      Digest configDigest,
      byte[] config,
      List<LayerChunkIndex> indexes,
      Map<Digest, Path> whole,
      String where) {
    Map<Digest, LayerChunkIndex> chunked = new HashMap<>();
    indexes.stream().filter(ix -> !ix.keptWhole()).forEach(ix -> chunked.put(ix.layer(), ix));
    return new BlobFiles() {
      @Override
      public boolean has(Digest d) {
        return d.equals(image.digest)
            || d.equals(configDigest)
            || chunked.containsKey(d)
            || whole.containsKey(d);
      }

      @Override
      public InputStream open(Digest d) throws IOException {
        if (d.equals(image.digest)) {
          return new ByteArrayInputStream(image.body);
        }
        if (d.equals(configDigest)) {
          return new ByteArrayInputStream(config);
        }
        if (whole.containsKey(d)) {
          return Files.newInputStream(whole.get(d));
        }
        LayerChunkIndex ix = chunked.get(d);
        if (ix == null) {
          throw new InvalidArgumentException("blob " + d + " is not part of the image");
        }
        String name = "layer " + d;
        return new RegeneratedGzipInputStream(uncompressed(ix, name), ix.gzip(), d, name);
      }

      // the import reads the chunks as they are; the compressed blob is checked beside it
      @Override
      public InputStream openUncompressed(Digest d) {
        LayerChunkIndex ix = chunked.get(d);
        if (ix == null) {
          return null;
        }
        String name = where + " layer " + d;
        return new RecompressingInputStream(uncompressed(ix, name), ix.gzip(), d, name);
      }

      @Override
      public GzipRecipe gzipRecipe(Digest d) {
        LayerChunkIndex ix = chunked.get(d);
        return ix == null ? null : ix.gzip();
      }
    };
  }

  /** Keeps the chunks of each chunked layer (its headers, mostly) for the next version's pull. */
  private void keepPulled(List<LayerChunkIndex> indexes) throws IOException {
    ChunkStore chunks = host.chunks();
    List<RootChange> changes = new ArrayList<>();
    for (LayerChunkIndex ix : indexes) {
      if (ix.keptWhole()) {
        continue;
      }
      RoaringBitmap ids = new RoaringBitmap();
      for (ChunkPiece p : ix.pieces()) {
        ids.add(chunks.idOf(p.digest()));
      }
      ids.runOptimize();
      changes.add(
          new RootChange.Put(
              new Root(PULLED + ix.layer().hex(), ix.uncompressedSize(), new byte[0], ids)));
    }
    if (!changes.isEmpty()) {
      try (WriteSession s = chunks.session()) {
        s.commit(changes);
      }
    }
  }
}

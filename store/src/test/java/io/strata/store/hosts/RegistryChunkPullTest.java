package io.strata.store.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.deflate.DeflateCheckpoint;
import io.strata.store.digest.Digest;
import io.strata.store.error.RejectedException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.ChunkIndexSource;
import io.strata.store.registry.ChunkRequest;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.LayerChunkIndex;
import io.strata.store.registry.RegistryStore;
import io.strata.store.testing.GoGzip;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull from a Strata registry through its chunk index, between two real stores in one process:
 * the registry's side answers through {@link ChunkIndexPublisher} and {@link RegistryStore}, the
 * puller runs {@link RegistryChunkPull}. Only missing chunks travel; a lying index is refused with
 * the puller's images unchanged; a registry without an index leaves the pull to the ordinary path.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryChunkPullTest {
  private static final String REPO = "acc/app";
  @TempDir Path dir;
  private ImageFixture registryFix;
  private ImageFixture pullerFix;
  private RegistryStore registry;
  private RegistryChunkPull pull;
  private final List<ChunkRequest> requests = new java.util.ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    registryFix = new ImageFixture(dir.resolve("registry"));
    pullerFix = new ImageFixture(dir.resolve("puller"));
    registry = new RegistryStore(registryFix.chunks(), new BlobService(registryFix.chunks()));
    pull =
        new RegistryChunkPull(
            new TransferHost(pullerFix.images(), pullerFix.chunks(), dir.resolve("puller-tmp")));
  }

  @AfterEach
  void close() throws IOException {
    pullerFix.close();
    registryFix.close();
  }

  /** The registry's side, as the HTTP endpoints serve it; {@code lie} may change layer indexes. */
  private ChunkIndexSource source(UnaryOperator<byte[]> lie, boolean referrers) {
    return source(lie, null, referrers);
  }

  /**
   * The registry's side; {@code lie} may change the first layer index's blob and {@code layerType}
   * (null: kept) its media type in the artifact.
   */
  private ChunkIndexSource source(UnaryOperator<byte[]> lie, String layerType, boolean referrers) {
    ChunkIndexPublisher publisher = registry.chunkIndexes();
    return new ChunkIndexSource() {
      @Override
      public String name() {
        return "registry test/" + REPO;
      }

      @Override
      public Manifest manifest(String reference) throws IOException {
        Descriptor d = registry.manifest(REPO, reference);
        return new Manifest(registry.manifestBytes(d), d.mediaType());
      }

      @Override
      public byte[] referrers(Digest subject, String artifactType) throws IOException {
        // only the lying artifact is listed: a liar would not list the honest one
        if (!referrers) {
          return null;
        }
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"manifests\":[");
        Descriptor d = publisher.publish(REPO, subject, l -> false);
        if (d != null) {
          d = lying(d, lie, layerType);
          json.append("{\"digest\":\"")
              .append(d.digest())
              .append("\",\"artifactType\":\"")
              .append(d.artifactType())
              .append("\"}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public long blob(Digest digest, OutputStream out) throws IOException {
        try (InputStream in = registry.openBlob(digest, 0, -1)) {
          return in.transferTo(out);
        }
      }

      @Override
      public long chunks(byte[] request, OutputStream out) throws IOException {
        ChunkRequest r = ChunkRequest.decode(request, "test");
        requests.add(r);
        try (InputStream in = publisher.records(REPO, r.layers(), r.wanted(), "test")) {
          return in.transferTo(out);
        }
      }
    };
  }

  /**
   * The artifact {@code d} with its layer index changed by {@code lie}, stored as a registry that
   * lies consistently would store it: every digest matches, only the content is false.
   */
  private Descriptor lying(Descriptor d, UnaryOperator<byte[]> lie, String layerType)
      throws IOException {
    String manifest = new String(registry.manifestBytes(d), StandardCharsets.UTF_8);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest);
    String layer = json.path("layers").path(0).path("digest").asText();
    byte[] index;
    try (InputStream in = registry.openBlob(Digest.parse(layer), 0, -1)) {
      index = in.readAllBytes();
    }
    byte[] lied = lie.apply(index);
    if (layerType != null) {
      manifest = manifest.replace(LayerChunkIndex.LAYER_TYPE_ZSTD, layerType);
    }
    if (java.util.Arrays.equals(lied, index)) {
      return layerType == null
          ? d
          : registry.putManifest(REPO, null, manifest.getBytes(StandardCharsets.UTF_8), null);
    }
    Digest liedDigest = Digest.sha256(lied, 0, lied.length);
    registry.putBlob(REPO, liedDigest, new ByteArrayInputStream(lied));
    byte[] body =
        manifest
            .replace(layer, liedDigest.toString())
            .replace("\"size\":" + index.length + ",", "\"size\":" + lied.length + ",")
            .getBytes(StandardCharsets.UTF_8);
    return registry.putManifest(REPO, null, body, null);
  }

  private ChunkIndexSource honest() {
    return source(b -> b, true);
  }

  /** 40 files of text and random bytes; {@code edited} of them get a line more. */
  private byte[] tar(int edited) throws IOException {
    return tar(edited, 40);
  }

  /** {@code files} files of 60 KB of text; {@code edited} of them get a line more. */
  private byte[] tar(int edited, int files) throws IOException {
    Random r = new Random(7);
    TarBuilder t = new TarBuilder();
    for (int i = 0; i < files; i++) {
      StringBuilder s = new StringBuilder();
      while (s.length() < 60_000) {
        s.append("line ").append(r.nextInt(100_000)).append('\n');
      }
      if (i < edited) {
        s.append("edited\n");
      }
      t.file("srv/f" + i, s.toString());
    }
    return t.bytes();
  }

  private Digest pushBlob(byte[] b) throws IOException {
    Digest d = Digest.sha256(b, 0, b.length);
    Path f = Files.createTempFile(dir, "blob", "");
    Files.write(f, b);
    registry.putBlobFile(REPO, d, f);
    return d;
  }

  /** Pushes an image of one Go-gzipped layer, tagged {@code tag}; returns the layer's gzip. */
  private byte[] pushImage(String tag, byte[] tar) throws Exception {
    Path t = dir.resolve(tag + ".tar");
    Files.write(t, tar);
    byte[] gz = Files.readAllBytes(GoGzip.gzip(t, 6));
    pushImage(tag, tar, gz);
    assertThat(registry.gzipRecipe(Digest.sha256(gz, 0, gz.length)))
        .as("the layer is kept as a recipe")
        .isNotNull();
    return gz;
  }

  /** Pushes an image of one layer, {@code gz} (the gzip of {@code tar}), tagged {@code tag}. */
  private void pushImage(String tag, byte[] tar, byte[] gz) throws Exception {
    pushImage(tag, tar, gz, "");
  }

  /** The same, its config naming {@code author} (another image of the same layer). */
  private void pushImage(String tag, byte[] tar, byte[] gz, String author) throws Exception {
    Digest layer = pushBlob(gz);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"author\":\""
                + author
                + "\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + Digest.sha256(tar, 0, tar.length)
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest c = pushBlob(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + c
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\""
                + layer
                + "\",\"size\":"
                + gz.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    registry.putManifest(REPO, tag, manifest, null);
  }

  private byte[] exportedLayer(String image, byte[] gz) throws IOException {
    Path out = dir.resolve("export-" + image.replace(':', '-').replace('/', '-'));
    pullerFix.images().exportLayout(image, out);
    Digest d = Digest.sha256(gz, 0, gz.length);
    return Files.readAllBytes(out.resolve("blobs/sha256/" + d.hex()));
  }

  @Test
  void v2FetchesOnlyWhatV1DidNotBringAndExportsTheSameBlobs() throws Exception {
    byte[] gz1 = pushImage("1", tar(0));
    byte[] gz2 = pushImage("2", tar(2));
    TransferSummary s1 = pull.run("1", "reg/app:1", "reg/app", honest(), ProgressListener.NONE);
    assertThat(s1.chunksSent()).isEqualTo(s1.chunksTotal());
    TransferSummary s2 = pull.run("2", "reg/app:2", "reg/app", honest(), ProgressListener.NONE);
    assertThat(s2.chunksSent())
        .as("chunks of v2 fetched, of %d", s2.chunksTotal())
        .isPositive()
        .isLessThanOrEqualTo(6);
    assertThat(s2.wireBytes()).isLessThan(gz2.length / 10);
    assertThat(exportedLayer("reg/app:1", gz1)).isEqualTo(gz1);
    assertThat(exportedLayer("reg/app:2", gz2)).isEqualTo(gz2);
    assertThat(pullerFix.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void aPgzipLayerIsPulledThroughItsChunksAndRecompressedByItsOwnCompressor() throws Exception {
    // skopeo's compressor: the puller checks the layer by compressing it again with pgzip's
    // recipe, not Go's
    Path t = dir.resolve("pgzip.tar");
    byte[] tar = tar(0);
    Files.write(t, tar);
    byte[] gz =
        Files.readAllBytes(
            io.strata.store.testing.KlauspostGzip.gzip(
                t, io.strata.store.testing.KlauspostGzip.Mode.PGZIP, -1));
    pushImage("pg", tar, gz);
    GzipRecipe recipe = registry.gzipRecipe(Digest.sha256(gz, 0, gz.length));
    assertThat(recipe).as("the layer is kept as a recipe").isNotNull();
    assertThat(recipe.compressor()).isEqualTo(GzipRecipe.Compressor.PGZIP);
    TransferSummary s = pull.run("pg", "reg/app:pg", "reg/app", honest(), ProgressListener.NONE);
    assertThat(s.chunksSent()).isEqualTo(s.chunksTotal()).isPositive();
    assertThat(exportedLayer("reg/app:pg", gz)).isEqualTo(gz);
    assertThat(pullerFix.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void anIndexWhoseRecipeLiesIsRefusedAndNothingIsRecorded() throws Exception {
    pushImage("1", tar(0));
    List<String> before = pullerFix.state();
    // level 1 instead of 6: the chunks are right, but they do not compress back into the layer
    UnaryOperator<byte[]> otherLevel =
        b -> {
          LayerChunkIndex ix = LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, b, "test");
          GzipRecipe g = ix.gzip();
          return new LayerChunkIndex(
                  ix.layer(), new GzipRecipe(g.compressor(), 1, g.header(), g.size()), ix.pieces())
              .encodeZstd();
        };
    assertThatThrownBy(
            () ->
                pull.run(
                    "1", "reg/app:1", "reg/app", source(otherLevel, true), ProgressListener.NONE))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("registry test/acc/app layer sha256:")
        .hasMessageContaining("do not give back the layer");
    assertThat(pullerFix.images().list()).isEmpty();
    // the chunks it stored are pinned by nothing: the roots are as they were
    assertThat(pullerFix.state()).isEqualTo(before);
  }

  @Test
  void aLayerIsCheckedInSegmentsAtItsCheckpointsAndALyingCheckpointIsRefused() throws Exception {
    byte[] tar = tar(0, 120);
    byte[] gz = pushImage("big", tar);
    GzipRecipe recipe = registry.gzipRecipe(Digest.sha256(gz, 0, gz.length));
    assertThat(recipe.checkpoints())
        .as("deflate checkpoints of a %d-byte layer", tar.length)
        .hasSizeGreaterThanOrEqualTo(2);
    List<String> before = pullerFix.state();
    // the second checkpoint's bit position moved: a stream compressed in one piece would not
    // notice, the segments joined there give another blob
    UnaryOperator<byte[]> shifted =
        b -> {
          LayerChunkIndex ix = LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, b, "test");
          GzipRecipe g = ix.gzip();
          List<DeflateCheckpoint> cps = new java.util.ArrayList<>(g.checkpoints());
          DeflateCheckpoint c = cps.get(1);
          cps.set(
              1,
              new DeflateCheckpoint(
                  c.blockEnd(),
                  c.index(),
                  c.windowBase(),
                  c.byteAvailable(),
                  c.length(),
                  c.offset(),
                  c.bitPosition() + 3));
          return new LayerChunkIndex(
                  ix.layer(),
                  new GzipRecipe(g.compressor(), g.level(), g.header(), g.size(), cps),
                  ix.pieces())
              .encodeZstd();
        };
    assertThatThrownBy(
            () ->
                pull.run(
                    "big", "reg/app:big", "reg/app", source(shifted, true), ProgressListener.NONE))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("registry test/acc/app layer " + Digest.sha256(gz, 0, gz.length))
        .hasMessageContaining("do not give back the layer");
    assertThat(pullerFix.images().list()).isEmpty();
    assertThat(pullerFix.state()).isEqualTo(before);
    // the honest index: checked in segments, and the blob exported byte for byte
    pull.run("big", "reg/app:big", "reg/app", honest(), ProgressListener.NONE);
    assertThat(exportedLayer("reg/app:big", gz)).isEqualTo(gz);
  }

  @Test
  void aRegistryWithoutReferrersLeavesThePullToTheOrdinaryPath() throws Exception {
    pushImage("1", tar(0));
    List<String> before = pullerFix.state();
    assertThat(pull.run("1", "reg/app:1", "reg/app", source(b -> b, false), ProgressListener.NONE))
        .isNull();
    assertThat(pullerFix.state()).isEqualTo(before);
  }

  @Test
  void anImageWhoseLayersAreKeptWholeGetsNoIndexAndIsPulledTheOrdinaryWay() throws Exception {
    byte[] tar = tar(0);
    java.io.ByteArrayOutputStream zlib = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(zlib)) {
      out.write(tar);
    }
    pushImage("1", tar, zlib.toByteArray());
    List<String> before = pullerFix.state();
    assertThat(pull.run("1", "reg/app:1", "reg/app", honest(), ProgressListener.NONE)).isNull();
    assertThat(registry.referrers(REPO, registry.manifest(REPO, "1").digest(), null)).isEmpty();
    assertThat(pullerFix.state()).isEqualTo(before);
  }

  @Test
  void aLayerIndexDecodesWhatItEncodesAndRefusesGarbage() throws Exception {
    pushImage("1", tar(0));
    Digest subject = registry.manifest(REPO, "1").digest();
    Descriptor d = registry.chunkIndexes().publish(REPO, subject, l -> false);
    assertThat(d.artifactType()).isEqualTo(LayerChunkIndex.ARTIFACT_TYPE);
    assertThat(d.subject()).isEqualTo(subject);
    // published once: asked again, the same artifact
    assertThat(registry.chunkIndexes().publish(REPO, subject, l -> false).digest())
        .isEqualTo(d.digest());
    assertThat(registry.tags(REPO)).containsExactly("1");
    assertThatThrownBy(() -> LayerChunkIndex.decode(new byte[] {'S', 'C', 'I', '1', 1}, "x"))
        .hasMessageContaining("x: the chunk index is cut short");
    assertThatThrownBy(() -> LayerChunkIndex.decode("nope".getBytes(), "x"))
        .hasMessageContaining("x: not a Strata chunk index");
  }

  @Test
  void theIndexTravelsZstdCompressedAndAnUncompressedOneIsStillRead() throws Exception {
    byte[] gz = pushImage("1", tar(0));
    Digest subject = registry.manifest(REPO, "1").digest();
    Descriptor d = registry.chunkIndexes().publish(REPO, subject, l -> false);
    var artifact =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(registry.manifestBytes(d));
    var layer = artifact.path("layers").path(0);
    assertThat(layer.path("mediaType").asText()).isEqualTo(LayerChunkIndex.LAYER_TYPE_ZSTD);
    byte[] blob;
    try (InputStream in = registry.openBlob(Digest.parse(layer.path("digest").asText()), 0, -1)) {
      blob = in.readAllBytes();
    }
    LayerChunkIndex ix = LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, blob, "test");
    assertThat(ix.layer()).isEqualTo(Digest.sha256(gz, 0, gz.length));
    assertThat(blob.length).isLessThan(ix.encode().length);
    // an artifact published before the index was compressed: its plain blob is read as it is
    UnaryOperator<byte[]> plain =
        b -> LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, b, "test").encode();
    TransferSummary s =
        pull.run(
            "1",
            "reg/app:1",
            "reg/app",
            source(plain, LayerChunkIndex.LAYER_TYPE, true),
            ProgressListener.NONE);
    assertThat(s.chunksSent()).isEqualTo(s.chunksTotal());
    assertThat(exportedLayer("reg/app:1", gz)).isEqualTo(gz);
  }

  @Test
  void aLayerIndexOfAnUnknownMediaTypeIsRefusedNamingTheArtifact() throws Exception {
    pushImage("1", tar(0));
    List<String> before = pullerFix.state();
    String other = "application/vnd.strata.chunk-index.layer.v1+brotli";
    assertThatThrownBy(
            () ->
                pull.run(
                    "1",
                    "reg/app:1",
                    "reg/app",
                    source(b -> b, other, true),
                    ProgressListener.NONE))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("registry test/acc/app chunk index sha256:")
        .hasMessageContaining("layer index of media type " + other);
    assertThat(pullerFix.state()).isEqualTo(before);
    // a zstd frame that is no index, and bytes that are no zstd frame, are refused too
    byte[] notIndex = com.github.luben.zstd.Zstd.compress("nope".getBytes(), 3);
    assertThatThrownBy(
            () -> LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, notIndex, "blob x"))
        .hasMessageContaining("blob x: not a Strata chunk index");
    assertThatThrownBy(
            () -> LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, "nope".getBytes(), "x"))
        .hasMessageContaining("x: not a zstd frame");
  }

  @Test
  void anImageOfManyLayersIsPulledThroughOneChunkRequestNamingThemAll() throws Exception {
    int n = 150; // the query string of the chunk request held about 100
    StringBuilder diffIds = new StringBuilder();
    StringBuilder layers = new StringBuilder();
    for (int i = 0; i < n; i++) {
      byte[] tar = new TarBuilder().file("layer/" + i, "layer " + i + "\n".repeat(i + 1)).bytes();
      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (var out =
          new io.strata.store.deflate.GoGzipOutputStream(
              gz, 6, io.strata.store.deflate.GoGzipOutputStream.goHeader(6))) {
        out.write(tar);
      }
      byte[] g = gz.toByteArray();
      Digest l = pushBlob(g);
      assertThat(registry.gzipRecipe(l)).as("layer %d kept as a recipe", i).isNotNull();
      diffIds.append(i == 0 ? "" : ",").append('"').append(Digest.sha256(tar, 0, tar.length));
      diffIds.append('"');
      layers.append(i == 0 ? "" : ",");
      layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"");
      layers.append(l).append("\",\"size\":").append(g.length).append('}');
    }
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":["
                + diffIds
                + "]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest c = pushBlob(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + c
                + "\",\"size\":"
                + config.length
                + "},\"layers\":["
                + layers
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    registry.putManifest(REPO, "many", manifest, null);
    TransferSummary s = pull.run("many", "reg/many:1", "reg/many", honest(), ProgressListener.NONE);
    assertThat(s.chunksSent()).isEqualTo(s.chunksTotal()).isPositive();
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).layers()).hasSize(n);
    assertThat(pullerFix.images().inspect("reg/many:1").layers()).hasSize(n);
  }

  @Test
  void aChunkRequestDecodesWhatItEncodesAndRefusesGarbage() {
    Digest a = Digest.sha256(new byte[] {1}, 0, 1);
    ChunkRequest r =
        new ChunkRequest(List.of(a), List.of(new io.strata.store.transfer.ChunkPiece(a, 1)));
    assertThat(ChunkRequest.decode(r.encode(), "x")).isEqualTo(r);
    assertThatThrownBy(() -> ChunkRequest.decode(new byte[] {0, 0, 0, 0, 0, 0}, "req"))
        .hasMessageContaining("req: names 0 layers");
    assertThatThrownBy(() -> ChunkRequest.decode(new byte[] {0, 1, 5}, "req"))
        .hasMessageContaining("req: the request is cut short");
    byte[] trailing = java.util.Arrays.copyOf(r.encode(), r.encode().length + 1);
    assertThatThrownBy(() -> ChunkRequest.decode(trailing, "req"))
        .hasMessageContaining("req: bytes follow the list of chunks");
  }

  /** The digests of the layer index blobs artifact {@code a} lists. */
  private List<Digest> indexBlobs(Descriptor a) throws IOException {
    List<Digest> out = new java.util.ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(registry.manifestBytes(a))
        .path("layers")
        .forEach(l -> out.add(Digest.parse(l.path("digest").asText())));
    return out;
  }

  @Test
  void deletingAnImageManifestTakesItsChunkIndexButNotAReferrerAUserPushed() throws Exception {
    pushImage("1", tar(0));
    Descriptor image = registry.manifest(REPO, "1");
    // a second image of the same layer (another annotation): its index lists the same index blob
    String body = new String(registry.manifestBytes(image), StandardCharsets.UTF_8);
    byte[] twin =
        (body.substring(0, body.length() - 1) + ",\"annotations\":{\"twin\":\"yes\"}}")
            .getBytes(StandardCharsets.UTF_8);
    Descriptor twinImage = registry.putManifest(REPO, "twin", twin, null);
    pushImage("2", tar(2));
    Descriptor other = registry.manifest(REPO, "2");
    Descriptor ix1 = registry.chunkIndexes().publish(REPO, image.digest(), l -> false);
    Descriptor ixTwin = registry.chunkIndexes().publish(REPO, twinImage.digest(), l -> false);
    Descriptor ix2 = registry.chunkIndexes().publish(REPO, other.digest(), l -> false);
    assertThat(indexBlobs(ixTwin)).isEqualTo(indexBlobs(ix1));
    Digest blob1 = indexBlobs(ix1).get(0);
    // a referrer a user pushed: an SBOM of image 1
    Digest sbom = pushBlob("{\"sbom\":true}".getBytes(StandardCharsets.UTF_8));
    Digest empty = pushBlob("{}".getBytes(StandardCharsets.UTF_8));
    String userArtifact =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"artifactType\":\"application/vnd.example.sbom\",\"config\":{\"mediaType\":"
            + "\"application/vnd.oci.empty.v1+json\",\"digest\":\""
            + empty
            + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/json\",\"digest\":\""
            + sbom
            + "\",\"size\":13}],\"subject\":{\"mediaType\":\""
            + image.mediaType()
            + "\",\"digest\":\""
            + image.digest()
            + "\",\"size\":"
            + image.size()
            + "}}";
    Descriptor user =
        registry.putManifest(REPO, null, userArtifact.getBytes(StandardCharsets.UTF_8), null);

    registry.deleteManifest(REPO, twinImage.digest().toString());
    // the twin's index goes; image 1's still lists the shared index blob, which stays
    assertThat(registry.hasManifest(REPO, ixTwin.digest())).isFalse();
    assertThat(registry.hasBlob(REPO, blob1)).isTrue();

    registry.deleteManifest(REPO, image.digest().toString());
    assertThat(registry.hasManifest(REPO, ix1.digest())).isFalse();
    assertThat(registry.referrers(REPO, image.digest(), null))
        .extracting(Descriptor::digest)
        .containsExactly(user.digest());
    assertThat(registry.hasBlob(REPO, blob1)).isFalse();
    // nothing names its bytes any more: a gc takes them
    assertThat(registryFix.chunks().idOf(blob1)).as("the index blob, one chunk").isNotNegative();
    registryFix.chunks().gc();
    assertThat(registryFix.chunks().idOf(blob1)).as("its chunk after a gc").isNegative();
    assertThatThrownBy(() -> registry.openBlob(blob1, 0, -1).close())
        .hasMessageContaining(blob1.toString());
    assertThat(registryFix.chunks().root("blob/" + ix1.digest().hex())).isNull();
    // image 2 and its index are untouched, and still pulled through it
    assertThat(registry.referrers(REPO, other.digest(), LayerChunkIndex.ARTIFACT_TYPE))
        .extracting(Descriptor::digest)
        .containsExactly(ix2.digest());
    assertThat(pull.run("2", "reg/app:2", "reg/app", honest(), ProgressListener.NONE)).isNotNull();
    assertThat(registryFix.chunks().fsck().damaged()).isEmpty();

    // the empty config of the chunk indexes goes with the last manifest naming it
    registry.deleteManifest(REPO, user.digest().toString());
    assertThat(registry.hasBlob(REPO, empty)).as("image 2's index still names it").isTrue();
    registry.deleteManifest(REPO, other.digest().toString());
    assertThat(registry.hasBlob(REPO, empty)).as("named by no manifest left").isFalse();
  }

  @Test
  void aPulledLayersRootGoesWithTheLastImageOfItsLayerAndAGcFreesItsHeaders() throws Exception {
    byte[] tar = tar(0);
    byte[] gz = pushImage("1", tar);
    pushImage("other", tar, gz, "someone else"); // another image (config) of the same layer blob
    pull.run("1", "reg/app:1", "reg/app", honest(), ProgressListener.NONE);
    pull.run("other", "reg/other:1", "reg/other", honest(), ProgressListener.NONE);
    var chunks = pullerFix.chunks();
    String root = RegistryChunkPull.PULLED + Digest.sha256(gz, 0, gz.length).hex();
    assertThat(chunks.root(root)).as("kept by the pull").isNotNull();
    // what only that root holds: the layer's tar headers (the image keeps them as its tar-split)
    org.roaringbitmap.RoaringBitmap onlyThere = chunks.root(root).chunks().clone();
    chunks.allRoots().stream()
        .filter(r -> !r.name().equals(root))
        .forEach(r -> onlyThere.andNot(r.chunks()));
    List<Digest> headers = new java.util.ArrayList<>();
    onlyThere.forEach((int id) -> headers.add(chunks.digest(id)));
    assertThat(headers).as("chunks only the pulled root holds").isNotEmpty();

    pullerFix.images().remove("reg/app:1", id -> false);
    chunks.gc();
    assertThat(chunks.root(root)).as("an image still names the layer").isNotNull();
    assertThat(headers).allMatch(d -> chunks.idOf(d) >= 0);

    pullerFix.images().remove("reg/other:1", id -> false);
    assertThat(chunks.root(root)).as("gone with the last image of the layer").isNull();
    chunks.gc();
    assertThat(headers).allMatch(d -> chunks.idOf(d) < 0);
    assertThat(chunks.fsck().damaged()).isEmpty();
  }
}

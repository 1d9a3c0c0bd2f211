package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.blob.BlobService;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.ChunkIndexPublisher;
import io.strata.store.registry.ChunkIndexPublisher.ManifestRef;
import io.strata.store.registry.Descriptor;
import io.strata.store.registry.LayerChunkIndex;
import io.strata.store.registry.RegistryStore;
import io.strata.store.registry.StagedBlobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunk indexes made when an image's layers settle, not when a client asks: an image with a layer
 * still staged gets none until its last layer's recipe job ends; manifests stored before (or while
 * the server was down) are indexed by the start's pass; one already indexed is not again. The
 * layers are Go-gzipped, staged as a push stages them and then stored as recipes as {@link
 * RecipeJobs} stores them, the jobs' pending set being this test's. Nothing waits silently for
 * good: a layer whose job gave up has the manifests parked on it considered again (no index that
 * would send it whole, and indexed once a later job stores it), and an index that fails is tried
 * again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkIndexMakerTest {
  private static final String REPO = "app/x";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;
  private final Set<Digest> pending = ConcurrentHashMap.newKeySet();
  private final List<Path> spools = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ChunkIndexMaker maker;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    registry =
        new RegistryStore(
            fix.chunks(), new BlobService(fix.chunks()), new StagedBlobs(dir.resolve("staged")));
    maker = new ChunkIndexMaker(registry.chunkIndexes(), pending::contains);
  }

  @AfterEach
  void close() throws IOException {
    maker.close();
    fix.close();
  }

  /** A Go-gzipped layer of one file, staged as a push stages it, its job pending. */
  private Digest pushLayer(String name, int size) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int i = 0; s.length() < size; i++) {
      s.append(name).append(' ').append(i).append('\n');
    }
    byte[] tar = new TarBuilder().file(name, s.toString()).bytes();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GoGzipOutputStream out = new GoGzipOutputStream(gz, 6, GoGzipOutputStream.goHeader(6))) {
      out.write(tar);
    }
    byte[] g = gz.toByteArray();
    Digest d = Digest.sha256(g, 0, g.length);
    Path spool = dir.resolve(d.hex());
    Files.write(spool, g);
    spools.add(spool);
    assertThat(registry.putBlobFileStaged(REPO, d, spool)).isTrue();
    pending.add(d);
    return d;
  }

  /** What the recipe job of {@code layer} does, then tells the maker. */
  private void settle(Digest layer) throws IOException {
    assertThat(registry.storeStaged(layer)).isTrue();
    assertThat(registry.gzipRecipe(layer)).isNotNull();
    pending.remove(layer);
    maker.settled(layer);
  }

  private Descriptor pushManifest(String tag, List<Digest> layers) throws IOException {
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"author\":\"" + tag + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    Digest c = Digest.sha256(config, 0, config.length);
    registry.putBlob(REPO, c, new java.io.ByteArrayInputStream(config));
    StringBuilder ls = new StringBuilder();
    for (Digest l : layers) {
      ls.append(ls.length() == 0 ? "" : ",")
          .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
          .append(l)
          .append("\",\"size\":")
          .append(registry.blobSize(l))
          .append('}');
    }
    byte[] m =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + c
                + "\",\"size\":"
                + config.length
                + "},\"layers\":["
                + ls
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    return registry.putManifest(REPO, tag, m, null);
  }

  private List<Descriptor> indexesOf(Descriptor image) {
    return registry.referrers(REPO, image.digest(), LayerChunkIndex.ARTIFACT_TYPE);
  }

  @Test
  void anImageIsIndexedWhenItsLastLayerSettlesNotBefore() throws Exception {
    Digest l1 = pushLayer("a", 200_000);
    Digest l2 = pushLayer("b", 300_000);
    Descriptor image = pushManifest("1", List.of(l1, l2));
    maker.stored(REPO, image);
    assertThat(maker.parkedCount()).isEqualTo(1);
    assertThat(indexesOf(image)).isEmpty();

    settle(l1);
    assertThat(maker.parkedCount()).as("parked again, on the second layer").isEqualTo(1);
    assertThat(indexesOf(image)).isEmpty();

    settle(l2);
    maker.drain();
    assertThat(maker.parkedCount()).isZero();
    List<Descriptor> ix = indexesOf(image);
    assertThat(ix).hasSize(1);
    JsonNode artifact = JSON.readTree(registry.manifestBytes(ix.get(0)));
    assertThat(artifact.path("layers")).hasSize(2);
    for (JsonNode l : artifact.path("layers")) {
      // every layer listed as chunks, none as "kept whole": made after both recipes, not before
      assertThat(l.path("mediaType").asText()).isEqualTo(LayerChunkIndex.LAYER_TYPE_ZSTD);
      byte[] blob;
      try (var in = registry.openBlob(Digest.parse(l.path("digest").asText()), 0, -1)) {
        blob = in.readAllBytes();
      }
      assertThat(LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, blob, "x").keptWhole())
          .isFalse();
    }
  }

  @Test
  void manifestsStoredBeforeAreIndexedByTheStartsPassOnce() throws Exception {
    Digest l1 = pushLayer("a", 200_000);
    settle(l1);
    Digest l2 = pushLayer("b", 100_000);
    Descriptor settled = pushManifest("1", List.of(l1));
    Descriptor waiting = pushManifest("2", List.of(l1, l2));
    // stored while no maker listened (before this change, or a server stopped meanwhile)
    maker.indexExisting();
    maker.drain();
    assertThat(indexesOf(settled)).hasSize(1);
    assertThat(indexesOf(waiting)).isEmpty();
    assertThat(maker.parkedCount()).isEqualTo(1);
    settle(l2);
    maker.drain();
    assertThat(indexesOf(waiting)).hasSize(1);
    // a second pass finds nothing to do: still one index each, nothing parked
    Descriptor before = indexesOf(settled).get(0);
    maker.indexExisting();
    maker.drain();
    assertThat(indexesOf(settled)).containsExactly(before);
    assertThat(indexesOf(waiting)).hasSize(1);
    assertThat(maker.parkedCount()).isZero();
    assertThat(registry.chunkIndexes().unindexed()).isEmpty();
  }

  @Test
  void anImageNoRecipeHelpsGetsNoIndexAndIsNotParked() throws Exception {
    // a layer that is no gzip: its job ends with it kept whole
    byte[] plain = "not gzip".getBytes(StandardCharsets.US_ASCII);
    Digest d = Digest.sha256(plain, 0, plain.length);
    registry.putBlob(REPO, d, new java.io.ByteArrayInputStream(plain));
    Descriptor image = pushManifest("1", List.of(d));
    maker.stored(REPO, image);
    maker.drain();
    assertThat(indexesOf(image)).isEmpty();
    assertThat(maker.parkedCount()).isZero();
  }

  @Test
  void aLayerWhoseJobGaveUpGetsNoWholeIndexAndItsManifestsAreIndexedOnceAJobStoresIt()
      throws Exception {
    Digest l1 = pushLayer("a", 200_000);
    settle(l1);
    Digest l2 = pushLayer("b", 300_000);
    Descriptor parkedBefore = pushManifest("1", List.of(l1, l2));
    maker.stored(REPO, parkedBefore);
    assertThat(maker.parkedCount()).isEqualTo(1);

    // l2's job failed every time: it stays staged; an index now would list it as kept whole
    maker.gaveUp(l2, "java.io.IOException: disk on fire");
    maker.drain();
    assertThat(indexesOf(parkedBefore)).isEmpty();
    // a manifest stored after the give-up is not indexed either, and waits on that layer
    Descriptor storedAfter = pushManifest("2", List.of(l2, l1));
    maker.stored(REPO, storedAfter);
    maker.drain();
    assertThat(indexesOf(storedAfter)).isEmpty();
    assertThat(maker.parkedCount()).isEqualTo(2);

    // the layer pushed again, its new job stores it: both images get their index, all chunks
    settle(l2);
    maker.drain();
    assertThat(maker.parkedCount()).isZero();
    for (Descriptor image : List.of(parkedBefore, storedAfter)) {
      List<Descriptor> ix = indexesOf(image);
      assertThat(ix).hasSize(1);
      for (JsonNode l : JSON.readTree(registry.manifestBytes(ix.get(0))).path("layers")) {
        byte[] blob;
        try (var in = registry.openBlob(Digest.parse(l.path("digest").asText()), 0, -1)) {
          blob = in.readAllBytes();
        }
        assertThat(LayerChunkIndex.decode(LayerChunkIndex.LAYER_TYPE_ZSTD, blob, "x").keptWhole())
            .isFalse();
      }
    }
  }

  /** The registry's indexes, whose {@code publish} fails {@code failures} times first. */
  private ChunkIndexMaker.Indexes failing(int failures, AtomicInteger calls) {
    var real = registry.chunkIndexes();
    return new ChunkIndexMaker.Indexes() {
      @Override
      public List<Digest> layers(String repo, Digest d) throws IOException {
        return real.layers(repo, d);
      }

      @Override
      public ChunkIndexPublisher.Outcome make(
          String repo, Digest subject, Predicate<Digest> settling) throws IOException {
        if (calls.incrementAndGet() <= failures) {
          throw new IOException("the store is busy");
        }
        return real.make(repo, subject, settling);
      }

      @Override
      public List<ManifestRef> unindexed() {
        return real.unindexed();
      }
    };
  }

  @Test
  void anIndexThatFailsIsTriedAgain() throws Exception {
    maker.close();
    AtomicInteger calls = new AtomicInteger();
    maker = new ChunkIndexMaker(failing(1, calls), pending::contains, Duration.ofMillis(100));
    Digest l1 = pushLayer("a", 200_000);
    settle(l1);
    Descriptor image = pushManifest("1", List.of(l1));
    maker.stored(REPO, image);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (indexesOf(image).isEmpty()) {
      assertThat(System.nanoTime()).as("index made on the second attempt").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(calls).hasValue(2);
  }

  @Test
  void anIndexThatFailsEveryTimeIsTriedAFewTimesThenLeftToTheNextStartsPass() throws Exception {
    maker.close();
    AtomicInteger calls = new AtomicInteger();
    maker =
        new ChunkIndexMaker(
            failing(Integer.MAX_VALUE, calls), pending::contains, Duration.ofMillis(50));
    Digest l1 = pushLayer("a", 200_000);
    settle(l1);
    Descriptor image = pushManifest("1", List.of(l1));
    maker.stored(REPO, image);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (calls.get() < ChunkIndexMaker.ATTEMPTS) {
      assertThat(System.nanoTime())
          .as("tried %d times", ChunkIndexMaker.ATTEMPTS)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(500); // 50 + 100 ms were the delays: a fourth attempt would have come
    assertThat(calls).hasValue(ChunkIndexMaker.ATTEMPTS);
    assertThat(indexesOf(image)).isEmpty();
    // the next start's pass makes it
    maker.close();
    maker = new ChunkIndexMaker(registry.chunkIndexes(), pending::contains);
    maker.indexExisting();
    maker.drain();
    assertThat(indexesOf(image)).hasSize(1);
  }

  @Test
  void imagesPublishedTwoAtATimeWithTheirJobsRunningAllGetTheirIndex() throws Exception {
    // as ImageBridge.publish and RegistryServer wire them: the real jobs, settling the maker
    maker.close();
    try (RecipeJobs jobs = new RecipeJobs(registry, new io.strata.store.engine.StopSignal())) {
      maker = new ChunkIndexMaker(registry.chunkIndexes(), jobs::pending);
      jobs.onSettled(maker::settled);
      jobs.onGaveUp(maker::gaveUp);
      int n = 12;
      List<Descriptor> images = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.ExecutorService two =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String name = "f" + i;
          done.add(
              two.submit(
                  () -> {
                    Digest l = pushLayer(name, 20_000 + 1_000 * name.length());
                    pending.remove(l); // the jobs say what is settling here
                    jobs.submit(l);
                    Descriptor image = pushManifest(name, List.of(l));
                    maker.stored(REPO, image);
                    images.add(image);
                    return null;
                  }));
        }
        for (var f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        two.shutdownNow();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      for (Descriptor image : images) {
        while (indexesOf(image).isEmpty()) {
          assertThat(System.nanoTime())
              .as(
                  "index of %s (jobs pending %d, parked %d)",
                  image.digest(), jobs.pending(), maker.parkedCount())
              .isLessThan(deadline);
          Thread.sleep(20);
        }
      }
      assertThat(maker.parkedCount()).isZero();
    }
  }
}

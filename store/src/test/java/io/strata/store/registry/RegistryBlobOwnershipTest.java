package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.blob.BlobService;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImageStore;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.ref.RootChange;
import io.strata.store.testing.GoGzip;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry owns the blobs it stores: when nothing of its own (a link or manifest of any
 * repository, a staged file, a pending import) and no image uses one any more, its root goes in the
 * commit that removed the last use, and a gc frees the bytes. A blob someone put with {@code blob
 * put}, or that an earlier release pushed (no mark), stays.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RegistryBlobOwnershipTest {
  private static final String A = "acc/a";
  private static final String B = "acc/b";
  private static final int LAYER = 2 << 20;

  @TempDir Path dir;

  private Engine open() throws IOException {
    return Engine.open(
        dir.resolve("data"),
        null,
        ChunkStore.Options.defaults().withCompression(Compression.parse("zstd:3")));
  }

  private static RegistryStore registry(Engine e) {
    return new RegistryStore(e.chunks(), e.blobs(), e.registryStaged());
  }

  private static Digest sha(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  private static Digest push(RegistryStore r, String repo, byte[] b) throws IOException {
    Digest d = sha(b);
    r.putBlob(repo, d, new ByteArrayInputStream(b));
    return d;
  }

  private static boolean held(Engine e, Digest d) {
    return e.chunks().root("blob/" + d.hex()) != null;
  }

  private static boolean marked(Engine e, Digest d) {
    return e.chunks().root(BlobService.registryMark(d)) != null;
  }

  private static byte[] config(Digest diffId) {
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
            + "\"diff_ids\":[\""
            + diffId
            + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] manifest(byte[] config, byte[] layer, String layerType) {
    return ("{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestDocument.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + sha(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\""
            + layerType
            + "\",\"digest\":\""
            + sha(layer)
            + "\",\"size\":"
            + layer.length
            + "}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An image of one random (incompressible) layer: config, layer, manifest tagged 1. */
  private record Image(byte[] config, byte[] layer, Descriptor manifest) {}

  private static Image pushImage(RegistryStore r, String repo, byte[] layer) throws IOException {
    byte[] config = config(sha(layer));
    push(r, repo, layer);
    push(r, repo, config);
    Descriptor m =
        r.putManifest(
            repo,
            "1",
            manifest(config, layer, "application/vnd.oci.image.layer.v1.tar"),
            ManifestDocument.OCI_MANIFEST);
    return new Image(config, layer, m);
  }

  private static void commit(Engine e, RootChange change) throws IOException {
    try (WriteSession s = e.chunks().session()) {
      s.commit(List.of(change));
    }
  }

  @Test
  void aDeletedManifestTakesTheBlobsOnlyItNamedAndAGcFreesTheirBytes() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      long empty = e.info().storedBytes();
      Image im = pushImage(r, A, TestData.random(1, LAYER));
      Digest layer = sha(im.layer());
      Digest config = sha(im.config());
      // a blob uploaded to the repository that no manifest names (a push given up half way)
      Digest loose = push(r, A, TestData.random(2, LAYER));
      for (Digest d : List.of(layer, config, loose, im.manifest().digest())) {
        assertThat(held(e, d)).isTrue();
        assertThat(marked(e, d)).as("the registry's own").isTrue();
      }
      e.gc();
      long pushed = e.info().storedBytes();
      assertThat(pushed - empty).isGreaterThan(2L * LAYER);

      r.deleteManifest(A, im.manifest().digest().toString());
      for (Digest d : List.of(layer, config, im.manifest().digest())) {
        assertThat(held(e, d)).as("%s released", d).isFalse();
        assertThat(marked(e, d)).isFalse();
      }
      assertThat(r.hasBlob(A, layer)).isFalse();
      assertThat(r.hasBlob(A, loose)).as("named by no manifest: still linked").isTrue();
      e.gc();
      long afterManifest = e.info().storedBytes();
      assertThat(pushed - afterManifest).as("the layer's bytes freed").isGreaterThan(LAYER - 4096);

      r.unlinkBlob(A, loose);
      assertThat(held(e, loose)).isFalse();
      e.gc();
      assertThat(afterManifest - e.info().storedBytes())
          .as("the loose blob's bytes freed")
          .isGreaterThan(LAYER - 4096);
      assertThat(e.info().storedBytes() - empty).isLessThan(64 << 10);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aBlobAUserPutStaysWhicheverCameFirst() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      // put by the user first, pushed after: never the registry's
      byte[] first = TestData.random(3, 64 << 10);
      Digest userFirst = e.blobs().put(new ByteArrayInputStream(first)).digest();
      push(r, A, first);
      assertThat(marked(e, userFirst)).isFalse();
      // pushed first, put by the user after: the user's put removes the mark
      byte[] second = TestData.random(4, 64 << 10);
      Digest pushedFirst = push(r, A, second);
      assertThat(marked(e, pushedFirst)).isTrue();
      e.blobs().put(new ByteArrayInputStream(second));
      assertThat(marked(e, pushedFirst)).isFalse();

      r.unlinkBlob(A, userFirst);
      r.unlinkBlob(A, pushedFirst);
      e.gc();
      for (var pair : List.of(List.of(userFirst, first), List.of(pushedFirst, second))) {
        Digest d = (Digest) pair.get(0);
        try (InputStream in = e.blobs().open(d, 0, -1)) {
          assertThat(in.readAllBytes()).isEqualTo(pair.get(1));
        }
      }
      assertThat(r.hasBlob(A, userFirst)).isFalse();
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aLayerSharedByTwoRepositoriesSurvivesDeletingOne() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      byte[] bytes = TestData.random(5, LAYER);
      Image a = pushImage(r, A, bytes);
      Digest layer = sha(bytes);
      assertThat(r.mount(B, layer, A)).isTrue();
      push(r, B, a.config());
      Descriptor mb =
          r.putManifest(
              B,
              "1",
              manifest(a.config(), bytes, "application/vnd.oci.image.layer.v1.tar"),
              ManifestDocument.OCI_MANIFEST);
      assertThat(mb.digest()).isEqualTo(a.manifest().digest());

      r.deleteManifest(A, a.manifest().digest().toString());
      assertThat(r.hasBlob(A, layer)).isFalse();
      assertThat(held(e, layer)).as("B still links it").isTrue();
      assertThat(held(e, a.manifest().digest())).as("B holds the same manifest").isTrue();
      e.gc();
      try (InputStream in = r.openBlob(layer, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(bytes);
      }
      assertThat(r.manifestBytes(r.manifest(B, "1")))
          .isEqualTo(r.manifestBytes(r.manifest(B, mb.digest().toString())));

      r.deleteManifest(B, mb.digest().toString());
      assertThat(held(e, layer)).isFalse();
      assertThat(held(e, mb.digest())).isFalse();
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aBlobAnEarlierReleasePushedHasNoMarkAndIsNeverReleased() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      byte[] bytes = TestData.random(6, 64 << 10);
      Digest d = push(r, A, bytes);
      // what an earlier release left: the blob's root and the link, no mark
      commit(e, new RootChange.Remove(BlobService.registryMark(d)));
      assertThat(r.releaseUnused()).isZero();
      r.unlinkBlob(A, d);
      assertThat(r.hasBlob(A, d)).isFalse();
      assertThat(held(e, d)).as("not provably the registry's: kept").isTrue();
      e.gc();
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(bytes);
      }
    }
  }

  @Test
  void aStagedLayerUnlinkedBeforeItsJobIsReleasedByTheJob() throws Exception {
    Path raw = dir.resolve("layer.tar");
    Files.write(raw, TestData.text(7, 1 << 20));
    Path spool = GoGzip.gzip(raw, 6);
    Digest d = sha(Files.readAllBytes(spool));
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(r.putBlobFileStaged(A, d, spool)).isTrue();
      r.unlinkBlob(A, d);
      assertThat(r.isStaged(d)).as("the job's until it ran").isTrue();
      assertThat(r.storeStaged(d)).isTrue();
      assertThat(r.isStaged(d)).isFalse();
      assertThat(held(e, d)).as("released once stored").isFalse();
      assertThat(marked(e, d)).isFalse();
      e.gc();
      assertThat(e.info().storedBytes()).isLessThan(64 << 10);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aPendingImportKeepsItsManifestAndBlobsUntilItRan() throws Exception {
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      byte[] bytes = TestData.random(8, 64 << 10);
      byte[] config = config(sha(bytes));
      push(r, A, bytes);
      push(r, A, config);
      Descriptor m =
          r.putManifest(
              A,
              "1",
              manifest(config, bytes, "application/vnd.oci.image.layer.v1.tar"),
              ManifestDocument.OCI_MANIFEST,
              true);
      r.deleteManifest(A, m.digest().toString());
      assertThat(r.hasBlob(A, sha(bytes))).isFalse();
      for (Digest d : List.of(m.digest(), sha(bytes), sha(config))) {
        assertThat(held(e, d)).as("the import still reads %s", d).isTrue();
      }
      r.importDone(A, "1", m.digest());
      for (Digest d : List.of(m.digest(), sha(bytes), sha(config))) {
        assertThat(held(e, d)).as("%s released after the import", d).isFalse();
      }
    }
  }

  @Test
  void aLayerAnImageKeepsWholeStaysUntilTheImageGoes() throws Exception {
    byte[] tar = new io.strata.store.image.TarBuilder().file("etc/hello", "hello\n").bytes();
    // java.util.zip's gzip: no recipe reproduces it, so the image keeps the registry's blob whole
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(tar);
    }
    byte[] layer = gz.toByteArray();
    try (ImageFixture fix = new ImageFixture(dir.resolve("images"))) {
      ChunkStore chunks = fix.chunks();
      RegistryStore r = new RegistryStore(chunks, new BlobService(chunks));
      ImageStore images = fix.images();
      byte[] config = config(sha(tar));
      push(r, A, layer);
      push(r, A, config);
      Descriptor m =
          r.putManifest(
              A,
              "1",
              manifest(config, layer, "application/vnd.oci.image.layer.v1.tar+gzip"),
              ManifestDocument.OCI_MANIFEST);
      BlobFiles files =
          new BlobFiles() {
            @Override
            public boolean has(Digest digest) {
              return r.hasBlob(A, digest) || r.hasManifest(A, digest);
            }

            @Override
            public InputStream open(Digest digest) {
              return r.openBlob(digest, 0, -1);
            }

            @Override
            public GzipRecipe gzipRecipe(Digest digest) {
              return r.gzipRecipe(digest);
            }

            @Override
            public long storedWhole(Digest digest) {
              return r.hasBlob(A, digest) && r.gzipRecipe(digest) == null ? r.blobSize(digest) : -1;
            }
          };
      images.importManifest(files, m.digest(), m.mediaType(), m.size(), "img:1", null, "manifest");
      Digest l = sha(layer);
      r.deleteManifest(A, m.digest().toString());
      assertThat(chunks.root("blob/" + l.hex())).as("image img:1 exports it").isNotNull();
      assertThat(chunks.root("blob/" + sha(config).hex()))
          .as("the image keeps its config itself")
          .isNull();
      chunks.gc();
      Path out = dir.resolve("out");
      images.exportLayout("img:1", out);
      assertThat(Files.readAllBytes(out.resolve("blobs/sha256/" + l.hex()))).isEqualTo(layer);

      java.util.concurrent.atomic.AtomicInteger removals =
          new java.util.concurrent.atomic.AtomicInteger();
      r.onImageRemoved(removals::incrementAndGet);
      images.remove("img:1", id -> false);
      assertThat(removals.get()).as("the registry hears of the removal").isPositive();
      assertThat(r.releaseUnused()).isEqualTo(1);
      assertThat(chunks.root("blob/" + l.hex())).isNull();
      assertThat(chunks.fsck().damaged()).isEmpty();
    }
  }

  @Test
  void aStopBetweenALastUseGoingAndTheReleaseIsRepairedAtStart() throws Exception {
    byte[] kept = TestData.random(9, 64 << 10);
    byte[] orphan = TestData.random(10, LAYER);
    Digest keptDigest;
    Digest orphanDigest;
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      keptDigest = push(r, A, kept);
      orphanDigest = push(r, B, orphan);
      // a recipe job killed after its staged file went, before its release: a marked blob no
      // link holds
      commit(e, new RootChange.Remove(RegistryStore.LINK + B + "@" + orphanDigest.hex()));
      assertThat(held(e, orphanDigest)).isTrue();
    }
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      assertThat(r.releaseUnused()).isEqualTo(1);
      assertThat(held(e, orphanDigest)).isFalse();
      assertThat(r.hasBlob(A, keptDigest)).as("a linked blob is never released").isTrue();
      e.gc();
      try (InputStream in = r.openBlob(keptDigest, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(kept);
      }
      assertThat(e.info().storedBytes()).isLessThan(LAYER / 2);
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }

  /**
   * Two repositories push and delete the same blob over and over, side by side: every put that
   * returns has its blob linked and readable (a push that saw the blob released between its store
   * and its link stores it again), and a user's put in the middle of it keeps the blob for good.
   */
  @Test
  void pushesAndDeletesOfOneBlobSideBySideNeverLoseALinkedBlob() throws Exception {
    byte[] bytes = TestData.random(11, 32 << 10);
    Digest d = sha(bytes);
    Path file = dir.resolve("blob.bin");
    Files.write(file, bytes);
    try (Engine e = open()) {
      RegistryStore r = registry(e);
      java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      java.util.concurrent.CountDownLatch halfway = new java.util.concurrent.CountDownLatch(1);
      List<Thread> threads = new java.util.ArrayList<>();
      for (String repo : List.of(A, B)) {
        boolean small = repo.equals(A);
        threads.add(
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 40; i++) {
                      if (small) {
                        r.putBlob(repo, d, new ByteArrayInputStream(bytes));
                      } else {
                        r.putBlobFile(repo, d, file);
                      }
                      assertThat(r.hasBlob(repo, d)).isTrue();
                      try (InputStream in = r.openBlob(d, 0, -1)) {
                        assertThat(in.readAllBytes()).isEqualTo(bytes);
                      }
                      r.unlinkBlob(repo, d);
                      if (i == 20) {
                        halfway.countDown();
                      }
                    }
                  } catch (Throwable t) {
                    failures.add(t);
                    halfway.countDown();
                  }
                }));
      }
      threads.forEach(Thread::start);
      halfway.await();
      e.blobs().put(new ByteArrayInputStream(bytes));
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(held(e, d)).as("the user's put keeps it").isTrue();
      assertThat(marked(e, d)).isFalse();
      assertThat(r.releaseUnused()).isZero();
      e.gc();
      try (InputStream in = e.blobs().open(d, 0, -1)) {
        assertThat(in.readAllBytes()).isEqualTo(bytes);
      }
      assertThat(e.fsck().damaged()).isEmpty();
    }
  }
}

package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.digest.Digest;
import io.strata.store.disk.RemovalSpace;
import io.strata.store.image.ImageDiskUsage;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.image.archive.BlobFiles;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * {@code system df} and the registry (docs/ADVERSARIAL.md, W5): an image a client pushed is kept by
 * its manifest, so {@code image prune -a} frees none of its bytes and the images row does not call
 * them reclaimable; what the registry holds is counted on its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryDiskUsageTest {
  private static final String REPO = "acc/app";

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    registry = new RegistryStore(fix.chunks(), new BlobService(fix.chunks()));
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private Digest push(byte[] b) throws IOException {
    Digest d = Digest.sha256(b, 0, b.length);
    registry.putBlob(REPO, d, new ByteArrayInputStream(b));
    return d;
  }

  private static byte[] goGzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GoGzipOutputStream g = new GoGzipOutputStream(out, 6, GoGzipOutputStream.goHeader(6))) {
      g.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  /**
   * Pushes a one-layer image of {@code tar} (gzipped as Go does: the registry keeps its tar's
   * chunks, which the layer shares) as {@code REPO:1} and imports it, as stratad does.
   */
  private void pushImage(byte[] tar) throws IOException {
    byte[] layer = goGzip(tar);
    Digest diff = Digest.sha256(tar, 0, tar.length);
    Digest layerDigest = push(layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + diff
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest configDigest = push(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\""
                + layerDigest
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    Descriptor d = registry.putManifest(REPO, "1", manifest, null);
    BlobFiles files =
        new BlobFiles() {
          @Override
          public boolean has(Digest digest) {
            return registry.hasBlob(REPO, digest) || registry.hasManifest(REPO, digest);
          }

          @Override
          public InputStream open(Digest digest) {
            return registry.openBlob(digest, 0, -1);
          }
        };
    fix.images()
        .importManifest(files, d.digest(), d.mediaType(), d.size(), REPO + ":1", null, "manifest");
  }

  private ImageDiskUsage df() {
    return fix.images().diskUsage(id -> false, ids -> RegistryRoots.freedWith(fix.chunks(), ids));
  }

  @Test
  void imagePruneAndGcFreeWhatTheImagesRowSaidWithAPushedImage() throws IOException {
    byte[] pushed = TestData.random(21, 512 << 10);
    pushImage(new TarBuilder().raw("pushed.bin", pushed).bytes());
    byte[] local = TestData.random(22, 64 << 10);
    fix.images()
        .importLayerTar(
            new ByteArrayInputStream(new TarBuilder().raw("local.bin", local).bytes()),
            "loc:1",
            "tar local");
    fix.chunks().gc(); // what was garbage already: not the prune's to free
    ImageDiskUsage df = df();
    assertThat(df.total()).isEqualTo(2);
    assertThat(df.size()).isGreaterThan(pushed.length + local.length);
    assertThat(df.reclaimable()).isGreaterThanOrEqualTo(local.length);

    // image prune -a, then gc: exactly what RECLAIMABLE said goes
    RoaringBitmap held = fix.chunks().referencedExcept(null);
    long before = fix.chunks().storedBytes(held);
    fix.images().remove(REPO + ":1", id -> false);
    fix.images().remove("loc:1", id -> false);
    registry.dropStaleViews();
    fix.chunks().gc();
    assertThat(before - fix.chunks().storedBytes(held)).isEqualTo(df.reclaimable());
  }

  @Test
  void whatTheRegistryHoldsIsCountedWithWhatRemovingItWouldFree() throws IOException {
    assertThat(RemovalSpace.of(fix.chunks(), RegistryRoots.ownership(fix.chunks()).registryHeld()))
        .isEqualTo(RemovalSpace.NONE);
    byte[] pushed = TestData.random(23, 256 << 10);
    pushImage(new TarBuilder().raw("pushed.bin", pushed).bytes());

    RemovalSpace held =
        RemovalSpace.of(fix.chunks(), RegistryRoots.ownership(fix.chunks()).registryHeld());

    assertThat(held.roots()).isGreaterThanOrEqualTo(4); // manifest, tag, two links, their blobs
    assertThat(held.size()).isGreaterThanOrEqualTo(pushed.length);
    assertThat(held.reclaimable()).isBetween(0L, held.size());
    assertThat(RemovalSpace.of(fix.chunks(), RegistryRoots.ownership(fix.chunks()).plainBlobs()))
        .as("every blob is a repository's")
        .isEqualTo(RemovalSpace.NONE);
  }

  @Test
  void aBlobNoRepositoryLinksIsAPlainBlobNotTheRegistrys() throws IOException {
    byte[] plain = TestData.random(24, 256 << 10);
    new BlobService(fix.chunks()).put(new ByteArrayInputStream(plain));

    RemovalSpace blobs =
        RemovalSpace.of(fix.chunks(), RegistryRoots.ownership(fix.chunks()).plainBlobs());
    assertThat(blobs.roots()).isEqualTo(1);
    assertThat(blobs.size()).isGreaterThanOrEqualTo(plain.length);
    assertThat(blobs.reclaimable()).isEqualTo(blobs.size());
    assertThat(RemovalSpace.of(fix.chunks(), RegistryRoots.ownership(fix.chunks()).registryHeld()))
        .as("no registry: it holds nothing (AG6)")
        .isEqualTo(RemovalSpace.NONE);
  }
}

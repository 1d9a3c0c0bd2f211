package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.error.ConflictException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.OciLayout;
import io.strata.store.image.TarBuilder;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest the registry published from a Strata image (a pull by name) is a view of that image:
 * once no current tag of its repository names it, {@link RegistryStore#dropStaleViews} deletes it
 * as a DELETE by digest would, and a gc frees what only it kept (adversarial finding Q1: such
 * manifests, their configs and layers stayed for good, and nothing an operator could see freed
 * them). Manifests a client pushed stay. A {@code blob rm} of a blob the registry holds is refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublishedViewsTest {
  private static final String REPO = "loc/view";

  @TempDir Path dir;
  private ImageFixture fix;
  private BlobService blobs;
  private RegistryStore registry;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    blobs = new BlobService(fix.chunks(), d -> RegistryHolds.refuseRemoval(fix.chunks(), d));
    registry = new RegistryStore(fix.chunks(), blobs);
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  /** Imports a one-file image as the Strata image {@code ref}; returns its id. */
  private String strataImage(String ref, String content) throws IOException {
    byte[] tar = new TarBuilder().file("ver", content).bytes();
    fix.images().importLayerTar(new ByteArrayInputStream(tar), ref, "tar " + content);
    return fix.images().resolve(ref);
  }

  /** Pushes {@code bytes} as a blob of {@code REPO}; returns its digest. */
  private Digest blob(byte[] bytes) throws IOException {
    Digest d = Digest.sha256(bytes, 0, bytes.length);
    registry.putBlob(REPO, d, new ByteArrayInputStream(bytes));
    return d;
  }

  /** An image manifest of {@code REPO} naming a config distinct for {@code n} and {@code layer}. */
  private byte[] manifest(int n, byte[] layer) throws IOException {
    byte[] config = ("{\"os\":\"linux\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    Digest c = blob(config);
    Digest l = blob(layer);
    return ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + c
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
            + "\"digest\":\""
            + l
            + "\",\"size\":"
            + layer.length
            + "}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private long storedAfterGc() throws IOException {
    fix.chunks().gc();
    return fix.chunks().stats().storedBytes();
  }

  private boolean held(Digest manifest) {
    return registry.hasManifest(REPO, manifest);
  }

  private boolean isBlob(Digest d) {
    return fix.chunks().root("blob/" + d.hex()) != null;
  }

  @Test
  void aViewGoesWithItsImageAndAGcFreesWhatOnlyItKept() throws IOException {
    String id = strataImage(REPO + ":1", "one\n");
    long before = storedAfterGc();
    byte[] layer = TestData.random(11, 512 << 10);
    byte[] body = manifest(1, layer);
    Descriptor p = registry.publishManifest(REPO, "1", body, null, id);
    assertThat(fix.chunks().root(RegistryStore.VIEW + REPO + "@" + p.digest().hex())).isNotNull();
    long published = storedAfterGc();
    assertThat(published - before).isGreaterThanOrEqualTo(layer.length);
    assertThat(registry.dropStaleViews()).as("served while its name names it").isEmpty();

    fix.images().remove(REPO + ":1", x -> false);
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + p.digest());
    assertThat(held(p.digest())).isFalse();
    assertThatThrownBy(() -> registry.manifest(REPO, p.digest().toString()))
        .isInstanceOf(NotFoundException.class);
    for (String gone :
        List.of(
            RegistryStore.TAG + REPO + ":1",
            RegistryStore.PUBLISHED + REPO + ":1",
            RegistryStore.VIEW + REPO + "@" + p.digest().hex())) {
      assertThat(fix.chunks().root(gone)).as(gone).isNull();
    }
    Digest l = Digest.sha256(layer, 0, layer.length);
    assertThat(registry.hasBlob(REPO, l)).isFalse();
    assertThat(isBlob(l)).as("the layer released").isFalse();
    assertThat(isBlob(p.digest())).as("the manifest's bytes released").isFalse();
    assertThat(registry.exists(REPO)).isFalse();
    assertThat(storedAfterGc()).as("the view's bytes freed").isLessThanOrEqualTo(before);
    assertThat(registry.dropStaleViews()).isEmpty();
  }

  /**
   * A tag published from a Strata image follows what its name exports: once the image arrives again
   * with a manifest under that name (an OCI layout's import, a pull), the view published before is
   * stale although the name names the same image, and the next pull publishes the new one.
   */
  @Test
  void aPublishedTagIsStaleOnceItsNameExportsAnotherManifest() throws IOException {
    String id = strataImage(REPO + ":1", "one\n");
    Descriptor own =
        registry.publishManifest(REPO, "1", manifest(1, TestData.random(13, 4096)), null, id);
    assertThat(registry.manifest(REPO, "1").digest()).isEqualTo(own.digest());
    String m =
        OciLayout.gzipCopy(fix.images(), REPO + ":1", dir.resolve("plain"), dir.resolve("gz"));
    fix.images().importPath(dir.resolve("gz").toString(), REPO + ":1");
    assertThat(fix.images().resolve(REPO + ":1")).isEqualTo(id);
    assertThatThrownBy(() -> registry.manifest(REPO, "1"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("now names another image or manifest");
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + own.digest());
    assertThat(m).isNotEqualTo(own.digest().toString());
  }

  /**
   * A manifest published by a digest a Strata image arrived with (a pull by digest, AM1) is named
   * by no tag: it stays while that digest names its image, not only until the next tag change.
   */
  @Test
  void aViewPublishedByDigestStaysWhileTheDigestNamesItsImage() throws IOException {
    String id = strataImage(REPO + ":1", "one\n");
    String m =
        OciLayout.gzipCopy(fix.images(), REPO + ":1", dir.resolve("plain"), dir.resolve("gz"));
    fix.images().importPath(dir.resolve("gz").toString(), REPO + ":gz");
    fix.images().exportLayout(REPO + "@" + m, dir.resolve("by-digest"));
    byte[] body = null;
    try (var files = java.nio.file.Files.list(dir.resolve("by-digest/blobs/sha256"))) {
      for (Path f : files.toList()) {
        byte[] b = java.nio.file.Files.readAllBytes(f);
        if (("sha256:" + f.getFileName()).equals(m)) {
          body = b;
        } else {
          blob(b); // as the registry's publication puts each blob of the export
        }
      }
    }
    Descriptor p = registry.publishManifest(REPO, null, body, null, id);
    assertThat(p.digest().toString()).isEqualTo(m);
    assertThat(registry.dropStaleViews()).as("the digest names the image").isEmpty();
    fix.images().remove(REPO + ":gz", x -> false);
    assertThat(registry.dropStaleViews()).as(REPO + ":1 exports it now").isEmpty();
    assertThat(held(p.digest())).isTrue();

    fix.images().remove(REPO + ":1", x -> false);
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + m);
    assertThat(held(p.digest())).isFalse();
  }

  @Test
  void aViewGoesWhenItsNameMovesKeepingTheLayersTheNextPublicationShares() throws IOException {
    byte[] shared = TestData.random(12, 64 << 10);
    String v1 = strataImage(REPO + ":1", "one\n");
    Descriptor p1 = registry.publishManifest(REPO, "1", manifest(1, shared), null, v1);
    AtomicInteger changes = new AtomicInteger();
    registry.onTagsChanged(changes::incrementAndGet);
    String v2 = strataImage(REPO + ":1", "two\n");
    assertThat(changes.get()).as("the registry hears that the name moved").isPositive();
    // a publication of the current image in progress: the repository waits for it
    registry.publishingStarted(REPO);
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(held(p1.digest())).isTrue();
    Descriptor p2 = registry.publishManifest(REPO, "1", manifest(2, shared), null, v2);
    registry.publishingEnded(REPO);

    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + p1.digest());
    assertThat(registry.manifest(REPO, "1")).isEqualTo(p2);
    Digest l = Digest.sha256(shared, 0, shared.length);
    assertThat(registry.hasBlob(REPO, l)).as("the current view still names it").isTrue();
  }

  @Test
  void aManifestAClientPushedIsNeverAView() throws IOException {
    // pushed first, then published under another tag: the push's, not a view
    Descriptor pushed =
        registry.putManifest(
            REPO, "p", manifest(1, TestData.random(13, 1024)), ManifestDocument.OCI_MANIFEST);
    String id = strataImage(REPO + ":q", "q\n");
    Descriptor same = registry.publishManifest(REPO, "q", registry.manifestBytes(pushed), null, id);
    assertThat(same.digest()).isEqualTo(pushed.digest());
    assertThat(fix.chunks().root(RegistryStore.VIEW + REPO + "@" + pushed.digest().hex())).isNull();
    fix.images().remove(REPO + ":q", x -> false);
    registry.deleteManifest(REPO, "p"); // untagged: a registry keeps it by digest
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(held(pushed.digest())).isTrue();

    // published first, then pushed: the push makes it the registry's own
    String v = strataImage(REPO + ":r", "r\n");
    Descriptor view = registry.publishManifest(REPO, "r", manifest(2, new byte[] {1}), null, v);
    registry.putManifest(
        REPO, null, registry.manifestBytes(view), ManifestDocument.OCI_MANIFEST, false);
    assertThat(fix.chunks().root(RegistryStore.VIEW + REPO + "@" + view.digest().hex())).isNull();
    fix.images().remove(REPO + ":r", x -> false);
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(held(view.digest())).isTrue();
  }

  @Test
  void aViewAnotherCurrentTagOrAnIndexNamesStays() throws IOException {
    String id = strataImage(REPO + ":1", "one\n");
    fix.images().tag(REPO + ":1", REPO + ":2");
    byte[] body = manifest(1, new byte[] {2});
    Descriptor p = registry.publishManifest(REPO, "1", body, null, id);
    registry.publishManifest(REPO, "2", body, null, id);
    fix.images().remove(REPO + ":1", x -> false);
    assertThat(registry.dropStaleViews()).as("tag 2 still names it").isEmpty();
    assertThat(registry.manifest(REPO, "2")).isEqualTo(p);

    // a pushed index lists it
    byte[] index =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + ManifestDocument.OCI_INDEX
                + "\",\"manifests\":[{\"mediaType\":\""
                + ManifestDocument.OCI_MANIFEST
                + "\",\"digest\":\""
                + p.digest()
                + "\",\"size\":"
                + p.size()
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    Descriptor idx = registry.putManifest(REPO, "idx", index, ManifestDocument.OCI_INDEX);
    fix.images().remove(REPO + ":2", x -> false);
    assertThat(registry.dropStaleViews()).as("the index lists it").isEmpty();
    assertThat(held(p.digest())).isTrue();
    registry.deleteManifest(REPO, idx.digest().toString());
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + p.digest());
  }

  @Test
  void aBlobRmOfABlobTheRegistryHoldsIsRefused() throws IOException {
    byte[] bytes = TestData.random(14, 4096);
    Digest d = blobs.put(new ByteArrayInputStream(bytes)).digest();
    registry.putBlob(REPO, d, new ByteArrayInputStream(bytes));
    assertThatThrownBy(() -> blobs.remove(d))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("registry repository " + REPO + " holds it");
    assertThat(isBlob(d)).isTrue();

    String id = strataImage(REPO + ":1", "one\n");
    Descriptor m = registry.publishManifest(REPO, "1", manifest(1, bytes), null, id);
    assertThatThrownBy(() -> blobs.remove(m.digest()))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("a manifest of registry repository " + REPO);

    // once the registry lets go (the view took the link with it), the user's blob can be removed
    fix.images().remove(REPO + ":1", x -> false);
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + m.digest());
    assertThat(registry.hasBlob(REPO, d)).isFalse();
    assertThat(isBlob(d)).as("the user's blob is not the registry's to release").isTrue();
    blobs.remove(d);
    assertThat(isBlob(d)).isFalse();
  }
}

package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tag published from a Strata image is served while that name names the image, and not once the
 * user moved or removed it (adversarial finding H8); a pushed tag stays as pushed. A manifest keeps
 * the type it was first stored with (H2).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublishedTagsTest {
  private static final String REPO = "loc/app";

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

  /** Imports a one-file image as the Strata image {@code ref}; returns its id. */
  private String strataImage(String ref, String content) throws IOException {
    byte[] tar = new TarBuilder().file("ver", content).bytes();
    fix.images().importLayerTar(new ByteArrayInputStream(tar), ref, "tar " + content);
    return fix.images().resolve(ref);
  }

  /** A manifest of {@code REPO} (its config pushed), distinct for each {@code n}. */
  private byte[] manifest(int n) throws IOException {
    byte[] config = ("{\"os\":\"linux\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    Digest c = Digest.sha256(config, 0, config.length);
    registry.putBlob(REPO, c, new ByteArrayInputStream(config));
    return ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + c
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private boolean served(String tag) {
    try {
      registry.manifest(REPO, tag);
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Test
  void aPublishedTagIsServedWhileItsNameNamesTheImage() throws IOException {
    String v1 = strataImage(REPO + ":1", "one\n");
    Descriptor p1 = registry.publishManifest(REPO, "1", manifest(1), null, v1);
    assertThat(registry.manifest(REPO, "1").digest()).isEqualTo(p1.digest());
    assertThat(registry.tags(REPO)).containsExactly("1");

    // the user imports a new version under the same name: the published tag is stale
    String v2 = strataImage(REPO + ":1", "two\n");
    assertThat(v2).isNotEqualTo(v1);
    assertThatThrownBy(() -> registry.manifest(REPO, "1"))
        .isInstanceOf(NotFoundException.class)
        .hasMessage(
            "manifest "
                + REPO
                + ":1 not found: it was published from Strata image "
                + v1
                + ", and that name now names another image or manifest");
    assertThat(registry.tags(REPO)).isEmpty();
    assertThatThrownBy(() -> registry.tagsDeletedWith(REPO, "1"))
        .isInstanceOf(NotFoundException.class);
    // the old manifest stays by digest until the registry's next sweep of stale views (see
    // PublishedViewsTest)
    assertThat(registry.manifest(REPO, p1.digest().toString())).isEqualTo(p1);

    // published again (what the next pull by name does): served, the current image
    Descriptor p2 = registry.publishManifest(REPO, "1", manifest(2), null, v2);
    assertThat(registry.manifest(REPO, "1").digest()).isEqualTo(p2.digest());

    // the name given back to the first image (strata image tag), then removed
    fix.images().tag(v1, REPO + ":1");
    assertThat(served("1")).isFalse();
    fix.images().tag(v2, REPO + ":1");
    assertThat(served("1")).isTrue();
    fix.images().remove(REPO + ":1", id -> false);
    assertThat(served("1")).isFalse();
    assertThat(registry.tags(REPO)).isEmpty();
  }

  @Test
  void aPushedTagStaysAsPushedAndAPushOverAPublishedTagMakesItTheRegistrysOwn() throws IOException {
    strataImage(REPO + ":2", "pushed\n");
    Descriptor pushed = registry.putManifest(REPO, "2", manifest(3), ManifestDocument.OCI_MANIFEST);
    strataImage(REPO + ":2", "local\n");
    assertThat(registry.manifest(REPO, "2")).isEqualTo(pushed);

    String v = strataImage(REPO + ":3", "published\n");
    registry.publishManifest(REPO, "3", manifest(4), null, v);
    Descriptor over = registry.putManifest(REPO, "3", manifest(5), ManifestDocument.OCI_MANIFEST);
    assertThat(fix.chunks().root(RegistryStore.PUBLISHED + REPO + ":3")).isNull();
    strataImage(REPO + ":3", "moved\n");
    assertThat(registry.manifest(REPO, "3")).isEqualTo(over);
  }

  @Test
  void deletesTakeThePublicationWithTheTag() throws IOException {
    String v = strataImage(REPO + ":4", "four\n");
    Descriptor p = registry.publishManifest(REPO, "4", manifest(6), null, v);
    registry.publishManifest(REPO, "5", manifest(6), null, strataImage(REPO + ":5", "four\n"));
    // a DELETE removes the Strata image of the tag first, which makes the tag stale
    fix.images().remove(REPO + ":5", id -> false);
    registry.deleteManifest(REPO, "5");
    assertThat(fix.chunks().root(RegistryStore.TAG + REPO + ":5")).isNull();
    assertThat(fix.chunks().root(RegistryStore.PUBLISHED + REPO + ":5")).isNull();
    registry.deleteManifest(REPO, p.digest().toString());
    assertThat(fix.chunks().root(RegistryStore.PUBLISHED + REPO + ":4")).isNull();
    assertThat(registry.tags(REPO)).isEmpty();
  }

  @Test
  void aStoredManifestKeepsTheTypeItWasFirstStoredWith() throws IOException {
    byte[] body = manifest(7);
    Descriptor good = registry.putManifest(REPO, "good", body, ManifestDocument.OCI_MANIFEST);
    // what a release before the check left after a PUT that relabelled it (finding H2)
    String name = RegistryStore.MANIFEST + REPO + "@" + good.digest().hex();
    Root was = fix.chunks().root(name);
    byte[] relabelled =
        new String(was.payload(), StandardCharsets.UTF_8)
            .replace(ManifestDocument.OCI_MANIFEST, ManifestDocument.OCI_INDEX)
            .getBytes(StandardCharsets.UTF_8);
    try (WriteSession s = fix.chunks().session()) {
      s.commit(
          List.of(new RootChange.Put(new Root(name, was.logicalSize(), relabelled, was.chunks()))));
    }
    assertThatThrownBy(
            () -> registry.putManifest(REPO, "other", body, ManifestDocument.OCI_MANIFEST))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("stored as " + ManifestDocument.OCI_INDEX)
        .hasMessageContaining("a PUT as " + ManifestDocument.OCI_MANIFEST + " cannot change");
    assertThat(registry.manifest(REPO, "good").mediaType()).isEqualTo(ManifestDocument.OCI_INDEX);
    assertThat(served("other")).isFalse();
  }
}

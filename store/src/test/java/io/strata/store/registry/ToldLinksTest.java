package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deletion (the sweep of a stale published view, a DELETE of another manifest) leaves, for a
 * grace, the links of blobs a client was just told the repository holds (an upload or mount
 * answered 201, a HEAD answered 200), so that the manifest it PUTs next finds them (adversarial
 * finding S2: that PUT failed {@code MANIFEST_BLOB_UNKNOWN}). Once the grace has passed, a link no
 * manifest names by then goes as the deletion would have taken it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToldLinksTest {
  private static final String REPO = "loc/told";
  private static final Duration GRACE = Duration.ofMinutes(10);

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;
  private final AtomicLong now = new AtomicLong(1_000_000);

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    registry =
        new RegistryStore(
            fix.chunks(),
            new BlobService(fix.chunks()),
            new StagedBlobs(dir.resolve("staged")),
            now::get,
            GRACE);
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

  /** Stores {@code bytes} as a blob of {@code repo} as a publication does (no client told). */
  private Digest blob(String repo, byte[] bytes) throws IOException {
    Digest d = Digest.sha256(bytes, 0, bytes.length);
    registry.putBlob(repo, d, new ByteArrayInputStream(bytes));
    return d;
  }

  /** Uploads {@code bytes} to {@code REPO} as a client's final PUT does (answered 201). */
  private Digest upload(byte[] bytes) throws IOException {
    Digest d = Digest.sha256(bytes, 0, bytes.length);
    Path spool = Files.write(dir.resolve("spool-" + d.hex()), bytes);
    registry.putUploadedBlob(REPO, d, spool);
    return d;
  }

  /** An image manifest of {@code repo} naming config {@code n} and {@code layers}, stored here. */
  private byte[] manifest(String repo, int n, byte[]... layers) throws IOException {
    byte[] config = ("{\"os\":\"linux\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    Digest c = blob(repo, config);
    StringBuilder ls = new StringBuilder();
    for (byte[] l : layers) {
      Digest d = Digest.sha256(l, 0, l.length);
      if (!registry.hasBlob(repo, d)) {
        blob(repo, l);
      }
      ls.append(ls.isEmpty() ? "" : ",")
          .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"")
          .append(d)
          .append("\",\"size\":")
          .append(l.length)
          .append('}');
    }
    return ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + c
            + "\",\"size\":"
            + config.length
            + "},\"layers\":["
            + ls
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Publishes a view of a new Strata image {@code REPO:1} naming {@code layers}. */
  private Descriptor view(byte[]... layers) throws IOException {
    String id = strataImage(REPO + ":1", "one\n");
    return registry.publishManifest(REPO, "1", manifest(REPO, 1, layers), null, id);
  }

  /** Makes the view of {@code REPO:1} stale and sweeps it. */
  private void sweepView(Descriptor v) throws IOException {
    fix.images().remove(REPO + ":1", x -> false);
    assertThat(registry.dropStaleViews()).containsExactly(REPO + "@" + v.digest());
  }

  private boolean isBlob(Digest d) {
    return fix.chunks().root("blob/" + d.hex()) != null;
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(raw);
    }
    return out.toByteArray();
  }

  private static Digest digest(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  @Test
  void aBlobJustUploadedOutlivesTheSweepOfAStaleViewAndTheClientsManifestFindsIt()
      throws IOException {
    byte[] layer = TestData.random(21, 64 << 10);
    // a gzip layer takes the staging path of an upload
    byte[] gz = gzip(TestData.text(27, 64 << 10));
    Descriptor v = view(layer, gz);
    // a client pushing another image uploads the same layers (answered 201), then its manifest
    List<Digest> uploaded = List.of(upload(layer), upload(gz));
    now.addAndGet(GRACE.toMillis() - 1);
    sweepView(v);

    for (Digest l : uploaded) {
      assertThat(registry.hasBlob(REPO, l)).as("left to the client within the grace").isTrue();
    }
    Descriptor pushed =
        registry.putManifest(
            REPO, "2", manifest(REPO, 2, layer, gz), ManifestDocument.OCI_MANIFEST);
    assertThat(registry.manifest(REPO, "2")).isEqualTo(pushed);

    // its manifest names them now: past the grace, the next sweep keeps them as any named link
    now.addAndGet(GRACE.toMillis() * 2);
    assertThat(registry.dropStaleViews()).isEmpty();
    for (Digest l : uploaded) {
      assertThat(registry.hasBlob(REPO, l)).isTrue();
    }
  }

  @Test
  void aLinkGoesOnceItsGraceHasPassedWhenNoManifestNamedIt() throws IOException {
    byte[] early = TestData.random(22, 4096);
    byte[] late = TestData.random(23, 4096);
    byte[] unheld = TestData.random(26, 4096);
    assertThat(registry.hasBlobTelling(REPO, digest(unheld))).as("a HEAD before it was").isFalse();
    Descriptor v = view(early, late, unheld);
    assertThat(registry.hasBlobTelling(REPO, digest(early))).as("a HEAD").isTrue();
    now.addAndGet(GRACE.toMillis());
    assertThat(registry.hasBlobTelling(REPO, digest(late))).as("a later HEAD").isTrue();
    sweepView(v);

    assertThat(registry.hasBlob(REPO, digest(early))).as("its grace had passed").isFalse();
    assertThat(isBlob(digest(early))).as("released as before").isFalse();
    assertThat(registry.hasBlob(REPO, digest(late))).as("within its grace").isTrue();
    assertThat(registry.hasBlob(REPO, digest(unheld))).as("no HEAD said yes").isFalse();

    // no manifest came: once the grace has passed, the next sweep takes it and releases it
    now.addAndGet(GRACE.toMillis() - 1);
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(registry.hasBlob(REPO, digest(late))).as("still within its grace").isTrue();
    now.addAndGet(1);
    // a publication storing into the repository may have found it linked: it waits for it
    registry.publishingStarted(REPO);
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(registry.hasBlob(REPO, digest(late))).as("a publication is storing").isTrue();
    registry.publishingEnded(REPO);
    assertThat(registry.dropStaleViews()).isEmpty();
    assertThat(registry.hasBlob(REPO, digest(late))).isFalse();
    assertThat(isBlob(digest(late))).as("released as the sweep would have").isFalse();
    assertThat(registry.exists(REPO)).isFalse();
  }

  @Test
  void aDeleteOfAnotherManifestLeavesBlobsAHeadOrAMountJustConfirmed() throws IOException {
    byte[] headed = TestData.random(24, 4096);
    byte[] mounted = TestData.random(25, 4096);
    Descriptor old =
        registry.putManifest(
            REPO, "old", manifest(REPO, 1, headed, mounted), ManifestDocument.OCI_MANIFEST);
    blob("loc/other", mounted);
    // a client pushing a new image: HEAD 200 for one layer, a mount answered 201 for the other
    assertThat(registry.hasBlobTelling(REPO, digest(headed))).isTrue();
    assertThat(registry.mount(REPO, digest(mounted), "loc/other")).isTrue();
    // meanwhile another client deletes the old image
    registry.deleteManifest(REPO, old.digest().toString());
    assertThatThrownBy(() -> registry.manifest(REPO, "old")).isInstanceOf(NotFoundException.class);

    for (byte[] b : List.of(headed, mounted)) {
      assertThat(registry.hasBlob(REPO, digest(b))).isTrue();
    }
    Descriptor pushed =
        registry.putManifest(
            REPO, "new", manifest(REPO, 2, headed, mounted), ManifestDocument.OCI_MANIFEST);
    assertThat(registry.manifest(REPO, "new")).isEqualTo(pushed);
  }
}

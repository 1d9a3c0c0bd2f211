package io.strata.store.image.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.RegistryStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A manifest pushed to the registry becomes a Strata image, read from the pushed blobs. */
class RegistryImportTest {
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

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(b);
    }
    return out.toByteArray();
  }

  private Digest push(byte[] b) throws IOException {
    Digest d = Digest.sha256(b, 0, b.length);
    registry.putBlob("acc/app", d, new ByteArrayInputStream(b));
    return d;
  }

  @Test
  void aPushedGzipImageBecomesAStrataImage() throws IOException {
    pushAndImport(new TarBuilder().file("etc/hello", "hello\n").bytes());
  }

  /** umoci insert's layers end right after the last file's bytes, with no padding. */
  @Test
  void aLayerEndingWithoutPaddingIsImported() throws IOException {
    byte[] whole = new TarBuilder().file("etc/one", "one\n").bytes();
    pushAndImport(Arrays.copyOf(whole, 512 + 4));
  }

  /**
   * The same manifest imported again (a retag, a push under another tag) opens none of its layer
   * blobs: the image and its layers were made and checked the first time, and re-reading a 2.5 GiB
   * layer per tag took seconds of a core each.
   */
  @Test
  void theSameManifestAgainOnlyTagsItsImage() throws IOException {
    Imported first = pushAndImport(new TarBuilder().file("etc/hello", "hello again\n").bytes());
    int[] opened = {0};
    BlobFiles counting =
        new BlobFiles() {
          @Override
          public boolean has(Digest digest) {
            return first.files().has(digest);
          }

          @Override
          public InputStream open(Digest digest) throws IOException {
            if (digest.equals(first.layer())) {
              opened[0]++;
            }
            return first.files().open(digest);
          }
        };
    var m = first.manifest();
    fix.images()
        .importManifest(counting, m.digest(), m.mediaType(), m.size(), "acc/app:2", null, "again");
    assertThat(opened[0]).isZero();
    assertThat(fix.images().resolve("acc/app:2")).isEqualTo(fix.images().resolve("acc/app:1"));
    Path out = dir.resolve("out2");
    fix.images().exportLayout("acc/app:2", out);
    assertThat(out.resolve("index.json")).exists();
  }

  /** What {@link #pushAndImport} pushed: the manifest, its layer blob and the blobs it reads. */
  private record Imported(
      io.strata.store.registry.Descriptor manifest, Digest layer, BlobFiles files) {}

  private Imported pushAndImport(byte[] tar) throws IOException {
    byte[] layer = gzip(tar);
    Digest diff = Digest.sha256(tar, 0, tar.length);
    Digest layerDigest = push(layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diff
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest configDigest = push(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
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
    var d = registry.putManifest("acc/app", "1", manifest, null);
    BlobFiles files =
        new BlobFiles() {
          @Override
          public boolean has(Digest digest) {
            return registry.hasBlob("acc/app", digest) || registry.hasManifest("acc/app", digest);
          }

          @Override
          public InputStream open(Digest digest) {
            return registry.openBlob(digest, 0, -1);
          }
        };
    fix.images()
        .importManifest(files, d.digest(), d.mediaType(), d.size(), "acc/app:1", null, "manifest");
    assertThat(fix.images().list()).anyMatch(s -> s.toString().contains("acc/app"));
    Path out = dir.resolve("out");
    fix.images().exportLayout("acc/app:1", out);
    // the layer's diff_id is kept, so its tar comes back byte for byte
    assertThat(fix.images().inspect("acc/app:1").toString()).contains(diff.hex());
    assertThat(registry.manifestBytes(registry.manifest("acc/app", "1"))).isEqualTo(manifest);
    return new Imported(d, layerDigest, files);
  }

  @Test
  void aBlobThatIsNotWhatItClaimsIsRefusedAndNotNamed() {
    byte[] b = "claimed".getBytes(StandardCharsets.UTF_8);
    Digest other = Digest.sha256(new byte[] {1}, 0, 1);
    List<String> before = fix.state();
    assertThatThrownBy(() -> registry.putBlob("acc/app", other, new ByteArrayInputStream(b)))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(registry.hasBlob("acc/app", other)).isFalse();
    assertThat(fix.state()).isEqualTo(before);
  }
}

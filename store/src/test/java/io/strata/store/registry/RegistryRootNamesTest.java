package io.strata.store.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.image.ImageFixture;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fsck calls the registry's roots ({@link RegistryRootNames}), over a real store and registry:
 * a manifest by each of its tags, by digest when it has none; a blob by repository and digest; not
 * {@code reg/manifest/REPO@HEX} (round 8, P7).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryRootNamesTest {
  private static final String REPO = "team/app";

  @TempDir Path dir;

  /** The config blob of manifest {@code n}, distinct for each {@code n}. */
  private static byte[] config(int n) {
    return ("{\"os\":\"linux\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static Digest sha(byte[] b) {
    return Digest.sha256(b, 0, b.length);
  }

  /** A manifest of {@code config}, whose blob it pushes to {@link #REPO} first. */
  private static byte[] manifest(RegistryStore registry, byte[] config) throws IOException {
    registry.putBlob(REPO, sha(config), new ByteArrayInputStream(config));
    return ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + sha(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void manifestsAreNamedByTheirTagsOrDigestAndBlobsByRepositoryAndDigest() throws IOException {
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      RegistryStore registry = new RegistryStore(fix.chunks(), new BlobService(fix.chunks()));
      byte[] m1 = manifest(registry, config(1));
      Descriptor tagged = registry.putManifest(REPO, "1", m1, null);
      registry.putManifest(REPO, "stable", m1, null);
      Descriptor untagged = registry.putManifest(REPO, null, manifest(registry, config(2)), null);
      Digest c1 = sha(config(1));

      Map<String, List<String>> names = RegistryRootNames.of(fix.chunks());
      assertThat(names.get(RegistryStore.MANIFEST + REPO + "@" + tagged.digest().hex()))
          .containsExactly("registry team/app:1", "registry team/app:stable");
      assertThat(names.get(RegistryStore.MANIFEST + REPO + "@" + untagged.digest().hex()))
          .containsExactly("registry team/app@" + untagged.digest());
      assertThat(names.get(RegistryStore.LINK + REPO + "@" + c1.hex()))
          .containsExactly("registry team/app@" + c1);
      assertThat(names.get(RegistryStore.TAG + REPO + ":stable"))
          .containsExactly("registry team/app:stable");
    }
  }
}

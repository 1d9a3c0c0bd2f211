package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fsck calls the roots of images and layers ({@link ImageStore#rootNames}), over a real store:
 * the chunk store's names ({@code img/layer/<hex>}, {@code snap/sha256:...}) mean nothing to a
 * user, who knows images by tag (round 8, P7).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ImageRootNamesTest {
  @TempDir Path dir;
  ImageFixture fix;
  ImageStore images;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    images = fix.images();
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private static byte[] base() throws IOException {
    return new TarBuilder().dir("etc", 0755).file("etc/a", "a").bytes();
  }

  private static String hex(String chainId) {
    return chainId.substring("sha256:".length());
  }

  @Test
  void layersAreNamedByEveryTagOfEveryImageThatUsesThem() throws IOException {
    byte[] top = new TarBuilder().file("etc/c", "c").bytes();
    Path saved =
        DockerArchive.write(dir.resolve("two"), "two:1", List.of("base", "c"), base(), top);
    ImportResult.Image two = images.importPath(saved.toString(), null).images().get(0);
    images.tag("two:1", "team/two:latest");
    ImportResult.Image one =
        images.importLayerTar(new ByteArrayInputStream(base()), "one:1", "tar one").images().get(0);
    String shared = two.layers().get(0).chainId();
    String upper = two.layers().get(1).chainId();
    assertThat(one.layers().get(0).chainId()).as("the same tar, the same layer").isEqualTo(shared);

    Map<String, List<String>> names = images.rootNames();
    List<String> twoNames = List.of("image team/two:latest", "image two:1");
    assertThat(names.get("img/layer/" + hex(upper))).isEqualTo(twoNames);
    assertThat(names.get("snap/" + upper)).isEqualTo(twoNames);
    assertThat(names.get("snap/" + shared))
        .containsExactly("image one:1", "image team/two:latest", "image two:1");
    assertThat(names.get("img/image/" + hex(two.id()))).isEqualTo(twoNames);
    assertThat(names.get("img/tag/one:1")).containsExactly("image one:1");
  }

  @Test
  void anUntaggedImageIsNamedByItsShortIdAndALayerNoImageUsesByItsChainId() throws IOException {
    byte[] loose = new TarBuilder().file("loose", "l").bytes();
    ImportResult.Image untagged =
        images.importLayerTar(new ByteArrayInputStream(loose), null, "tar").images().get(0);
    ImportResult.Image gone =
        images.importLayerTar(new ByteArrayInputStream(base()), "gone:1", "tar").images().get(0);
    String goneLayer = gone.layers().get(0).chainId();
    // another snapshot holds the layer (a containerd clone): its snapshot outlives the image
    fix.driver().prepare("held", goneLayer, Map.of());
    images.remove("gone:1", id -> false);

    Map<String, List<String>> names = images.rootNames();
    String layer = untagged.layers().get(0).chainId();
    assertThat(names.get("snap/" + layer))
        .containsExactly("image " + hex(untagged.id()).substring(0, 12));
    assertThat(names.get("snap/" + goneLayer)).containsExactly("layer " + goneLayer);
    assertThat(names).doesNotContainKey("snap/held");
  }
}

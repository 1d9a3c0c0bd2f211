package io.strata.store.image.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImageStore;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.testing.Tools;
import io.strata.store.testing.UmociLayers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real data: an image umoci builds from a directory tree is imported, exported and read back by
 * umoci, with the same diff_ids. Fails where umoci or skopeo is not installed.
 */
@org.junit.jupiter.api.Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
class UmociInteropTest {
  @TempDir Path dir;

  private void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  @Test
  void umociImageRoundTrip() throws Exception {
    Tools.require("umoci", "skopeo");
    Path layout = dir.resolve("L");
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":t");
    Path bundle = dir.resolve("B");
    run("umoci", "unpack", "--rootless", "--image", layout + ":t", bundle.toString());
    Path root = bundle.resolve("rootfs");
    Files.createDirectories(root.resolve("usr/share/doc"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(root.resolve("usr/share/doc/f" + i + ".txt"), "doc " + i + "\n");
    }
    Files.createSymbolicLink(root.resolve("usr/link"), Path.of("/usr/share/doc/f1.txt"));
    Files.createLink(root.resolve("usr/hard"), root.resolve("usr/share/doc/f2.txt"));
    run("umoci", "repack", "--image", layout + ":t", bundle.toString());
    run("umoci", "unpack", "--rootless", "--image", layout + ":t", dir.resolve("B2").toString());
    Files.delete(dir.resolve("B2/rootfs/usr/share/doc/f3.txt"));
    run("umoci", "repack", "--image", layout + ":t", dir.resolve("B2").toString());

    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      ImageStore images = fix.images();
      images.importPath(layout + ":t", "umoci:t");
      List<String> layers = images.inspect("umoci:t").layers();
      assertThat(layers).isEqualTo(configDiffIds(layout));
      assertThat(
              fix.driver().fs(images.inspect("umoci:t").topLayer()).exists("/usr/share/doc/f3.txt"))
          .isFalse();
      Path out = dir.resolve("out");
      images.exportLayout("umoci:t", out);
      run("umoci", "unpack", "--rootless", "--image", out + ":t", dir.resolve("B3").toString());
      assertThat(Files.readString(dir.resolve("B3/rootfs/usr/share/doc/f5.txt")))
          .isEqualTo("doc 5\n");
      assertThat(Files.readSymbolicLink(dir.resolve("B3/rootfs/usr/link")).toString())
          .isEqualTo("/usr/share/doc/f1.txt");
      assertThat(dir.resolve("B3/rootfs/usr/share/doc/f3.txt")).doesNotExist();
      run("skopeo", "inspect", "--raw", "oci:" + out + ":t");
      try (ImageFixture again = new ImageFixture(dir.resolve("store2"))) {
        again.images().importPath(out.toString(), "back:t");
        assertThat(again.images().inspect("back:t").layers()).isEqualTo(layers);
      }
    }
  }

  private String output(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }

  /**
   * Issue #14 item 3: an image umoci built (gzip layers: pgzip, 256 KiB blocks) and the same image
   * that skopeo recompressed with zstd (klauspost's encoder) are imported and exported with every
   * digest unchanged: skopeo reads the same manifest back, and copies the export out again.
   */
  @Test
  void gzipAndZstdImagesKeepTheirDigestsThroughImportAndExport() throws Exception {
    Tools.require("umoci", "skopeo");
    Path layout = dir.resolve("L");
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":t");
    Path bundle = dir.resolve("B");
    run("umoci", "unpack", "--rootless", "--image", layout + ":t", bundle.toString());
    Files.createDirectories(bundle.resolve("rootfs/etc"));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 40_000; i++) {
      text.append("line ").append(i).append('\n');
    }
    Files.writeString(bundle.resolve("rootfs/etc/lines"), text);
    run("umoci", "repack", "--image", layout + ":t", bundle.toString());
    Path zstd = dir.resolve("Z");
    run(
        "skopeo",
        "copy",
        "-q",
        "--dest-compress-format",
        "zstd",
        "--dest-compress",
        "oci:" + layout + ":t",
        "oci:" + zstd + ":t");
    assertThat(output("skopeo", "inspect", "--raw", "oci:" + zstd + ":t")).contains("tar+zstd");
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      for (Path in : List.of(layout, zstd)) {
        String ref = "rt/" + in.getFileName().toString().toLowerCase() + ":t";
        fix.images().importPath(in + ":t", ref);
        Path out = dir.resolve("out-" + in.getFileName());
        fix.images().exportLayout(ref, out);
        assertThat(output("skopeo", "inspect", "--raw", "oci:" + out + ":t"))
            .as("manifest of %s", ref)
            .isEqualTo(output("skopeo", "inspect", "--raw", "oci:" + in + ":t"));
        run(
            "skopeo",
            "copy",
            "-q",
            "oci:" + out + ":t",
            "oci:" + dir.resolve("copy-" + in.getFileName()) + ":t");
      }
    }
  }

  /**
   * H4: a layer umoci wrote (Debian's 0.4.7 compresses with pgzip in 256 KiB blocks) is imported as
   * its files plus a recipe, not kept whole as a blob, and exports byte for byte.
   */
  @Test
  void aLayerUmociWroteIsKeptAsARecipeNotWhole() throws Exception {
    Tools.require("umoci");
    Path layout = UmociLayers.layout(dir.resolve("U"), new Random(3));
    Path layer = UmociLayers.layerBlob(layout);
    try (ImageFixture fix = new ImageFixture(dir.resolve("store"))) {
      fix.images().importPath(layout + ":1", "umoci/pgzip:1");
      assertThat(fix.chunks().allRoots())
          .as("roots after the import")
          .noneMatch(r -> r.name().startsWith("blob/"));
      Path out = dir.resolve("out");
      fix.images().exportLayout("umoci/pgzip:1", out);
      assertThat(out.resolve("blobs/sha256").resolve(layer.getFileName()))
          .hasSameBinaryContentAs(layer);
    }
  }

  private static List<String> configDiffIds(Path layout) throws IOException {
    JsonNode index = JsonCodec.MAPPER.readTree(layout.resolve("index.json").toFile());
    String m = index.path("manifests").get(0).path("digest").asText().substring(7);
    JsonNode manifest = JsonCodec.MAPPER.readTree(layout.resolve("blobs/sha256/" + m).toFile());
    String c = manifest.path("config").path("digest").asText().substring(7);
    JsonNode config = JsonCodec.MAPPER.readTree(layout.resolve("blobs/sha256/" + c).toFile());
    List<String> out = new ArrayList<>();
    config.path("rootfs").path("diff_ids").forEach(n -> out.add(n.asText()));
    return out;
  }
}

package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Layers the real umoci writes: Debian's umoci 0.4.7 compresses them with klauspost/pgzip 1.2.5 in
 * 256 KiB blocks, so a layer of a few MiB spans many blocks. Callers {@link Tools#require} umoci.
 */
public final class UmociLayers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private UmociLayers() {}

  /**
   * An OCI layout {@code dir/oci} whose image {@code 1} has one layer, made by {@code umoci insert}
   * of a tree of about 5 MiB (text, random bytes and their mixture, from {@code r}).
   */
  public static Path layout(Path dir, Random r) throws IOException, InterruptedException {
    Path root = dir.resolve("rootfs");
    Files.createDirectories(root.resolve("usr/share/doc"));
    Files.write(root.resolve("usr/share/doc/text"), DeflateInputs.text(r, 2 << 20));
    Files.write(root.resolve("usr/share/doc/mixed"), DeflateInputs.mixed(r, (2 << 20) + 4321));
    Files.write(root.resolve("data.bin"), DeflateInputs.random(r, (1 << 20) + 77));
    Path layout = dir.resolve("oci");
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":1");
    run("umoci", "insert", "--image", layout + ":1", root.toString(), "/");
    return layout;
  }

  /** The (only) layer blob of {@code layout}'s image {@code 1}. */
  public static Path layerBlob(Path layout) throws IOException {
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    String manifest = null;
    for (JsonNode m : index.path("manifests")) {
      if ("1".equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        manifest = m.path("digest").asText();
      }
    }
    assertThat(manifest).as("image 1 in %s", index).isNotNull();
    JsonNode layers = JSON.readTree(blob(layout, manifest).toFile()).path("layers");
    assertThat(layers.size()).as("layers of %s", layout).isEqualTo(1);
    return blob(layout, layers.get(0).path("digest").asText());
  }

  /** A layer umoci wrote: {@link #layout}'s only layer blob. */
  public static Path layer(Path dir, Random r) throws IOException, InterruptedException {
    return layerBlob(layout(dir, r));
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as(String.join(" ", cmd)).isTrue();
    assertThat(p.exitValue())
        .as(String.join(" ", cmd) + ": " + new String(out, StandardCharsets.UTF_8))
        .isZero();
  }
}

package io.strata.perf.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.perf.ScratchDir;
import io.strata.perf.ingest.DataSet;
import io.strata.perf.peer.ExternalCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * OCI image layouts made with umoci from directory trees, kept in a cache directory between runs.
 * Each tree becomes its own image with one layer holding the whole tree, as a rebuilt image would
 * be, made the way an image build makes it: {@code umoci unpack} of an empty image into a bundle
 * ({@code <cache>/<name>.bundle}), the tree copied into its rootfs, {@code umoci repack} into
 * layout {@code <cache>/<name>}. Device nodes, FIFOs and sockets are left out of the copy, as image
 * builders leave them out (a runtime mounts /dev), so the rootfs is the image's content, and the
 * tree every tool of a run reads. A stamp ({@code <name>.source}: the tree's root, files and bytes)
 * tells whether the cached image still matches the tree; if not it is made anew.
 */
public final class LayoutCache {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  /** A cache in {@code dir}, created if absent. */
  public LayoutCache(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** {@code umoci --version}'s output, or null if umoci cannot be run. */
  public static String umociVersion() {
    return ExternalCommand.version("umoci", "--version");
  }

  /** The image of {@code tree}, made now unless the cache holds it already. */
  public OciImage packed(DataSet tree) throws IOException {
    Files.createDirectories(dir);
    Path layout = dir.resolve(tree.name());
    Path bundle = dir.resolve(tree.name() + ".bundle");
    Path stamp = dir.resolve(tree.name() + ".source");
    String source = tree.root() + "\t" + tree.files().size() + "\t" + tree.bytes() + "\n";
    boolean fresh =
        Files.isRegularFile(layout.resolve("index.json"))
            && Files.isRegularFile(stamp)
            && Files.readString(stamp).equals(source);
    if (!fresh) {
      Files.deleteIfExists(stamp);
      ScratchDir.deleteTree(layout);
      ScratchDir.deleteTree(bundle);
      pack(tree, layout, bundle, dir.resolve(tree.name() + ".log"));
      Files.writeString(stamp, source);
    }
    Path blob = layerBlob(layout, tree.name());
    DataSet rootfs = DataSet.parse(tree.name() + "=" + bundle.resolve("rootfs"));
    return new OciImage(rootfs, layout, blob, Files.size(blob));
  }

  /** A new layout with one image, tagged with the tree's name, whose one layer is the tree. */
  private static void pack(DataSet tree, Path layout, Path bundle, Path log) throws IOException {
    String image = layout + ":" + tree.name();
    run("umoci init", log, "umoci", "init", "--layout", layout.toString());
    run("umoci new", log, "umoci", "new", "--image", image);
    run("umoci unpack", log, "umoci", "unpack", "--image", image, bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    run("cp", log, "cp", "-a", tree.root() + "/.", rootfs + "/");
    removeSpecialFiles(rootfs);
    run("umoci repack", log, "umoci", "repack", "--image", image, bundle.toString());
  }

  private static void run(String what, Path log, String... command) throws IOException {
    ExternalCommand.run(what, List.of(command), Map.of(), Set.of(0), log);
  }

  /** Deletes the device nodes, FIFOs and sockets under {@code root}. */
  private static void removeSpecialFiles(Path root) throws IOException {
    List<Path> special;
    try (Stream<Path> s = Files.walk(root)) {
      special =
          s.filter(
                  p -> {
                    try {
                      return Files.readAttributes(
                              p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                          .isOther();
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  })
              .toList();
    } catch (UncheckedIOException e) {
      throw new IOException("listing " + root, e.getCause());
    }
    for (Path p : special) {
      Files.delete(p);
    }
  }

  /** The blob of the one layer of image {@code tag} in {@code layout}. */
  private static Path layerBlob(Path layout, String tag) throws IOException {
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    for (JsonNode m : index.path("manifests")) {
      if (tag.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        JsonNode manifest = JSON.readTree(blob(layout, m.path("digest").asText()).toFile());
        JsonNode layers = manifest.path("layers");
        if (layers.size() != 1) {
          throw new IOException(
              "layout " + layout + ": image " + tag + " has " + layers.size() + " layers, not 1");
        }
        return blob(layout, layers.get(0).path("digest").asText());
      }
    }
    throw new IOException("layout " + layout + ": no image tagged " + tag);
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs").resolve(digest.replace(':', '/'));
  }
}

package io.strata.store.image;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a {@code docker save} archive, as a directory, of one image made of the tars given. */
public final class DockerArchive {
  private DockerArchive() {}

  /**
   * A new directory {@code dir} holding the image {@code tag} whose layers, bottom first, are
   * {@code layers}, each with the history row {@code createdBy[i]}; returns {@code dir}.
   */
  public static Path write(Path dir, String tag, List<String> createdBy, byte[]... layers)
      throws IOException {
    Files.createDirectories(dir);
    List<String> diffIds = new ArrayList<>();
    List<String> history = new ArrayList<>();
    List<String> files = new ArrayList<>();
    for (int i = 0; i < layers.length; i++) {
      diffIds.add("\"" + sha(layers[i]) + "\"");
      history.add("{\"created_by\":\"" + createdBy.get(i) + "\"}");
      files.add("\"l" + i + ".tar\"");
      Files.write(dir.resolve("l" + i + ".tar"), layers[i]);
    }
    String config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
            + "\"layers\",\"diff_ids\":["
            + String.join(",", diffIds)
            + "]},\"history\":["
            + String.join(",", history)
            + "]}";
    String cfgName = sha(config.getBytes(StandardCharsets.UTF_8)).substring(7) + ".json";
    Files.writeString(dir.resolve(cfgName), config);
    Files.writeString(
        dir.resolve("manifest.json"),
        "[{\"Config\":\""
            + cfgName
            + "\",\"RepoTags\":[\""
            + tag
            + "\"],\"Layers\":["
            + String.join(",", files)
            + "]}]");
    return dir;
  }

  public static String sha(byte[] b) {
    return Digest.sha256(b, 0, b.length).toString();
  }
}

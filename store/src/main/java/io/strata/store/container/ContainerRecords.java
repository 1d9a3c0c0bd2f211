package io.strata.store.container;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configs of the containers, one folder per container, {@code
 * DATA/containers/<id>/config.json}. A folder is written whole as {@code .new-<id>} and renamed
 * into place, and removed by renaming it to {@code .rm-<id>} first; each rename is made durable
 * before the call returns. So a container exists exactly when its folder does, and a crash leaves
 * only {@code .new-} and {@code .rm-} folders, which {@link #load} deletes.
 */
final class ContainerRecords {
  private static final String CONFIG = "config.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path dir;

  ContainerRecords(Path dir) {
    this.dir = dir;
  }

  /** Every container's config by id, after clearing what a crash left. */
  Map<String, ContainerConfig> load() throws IOException {
    Files.createDirectories(dir);
    Map<String, ContainerConfig> out = new TreeMap<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (n.startsWith(".new-") || n.startsWith(".rm-")) {
          AtomicFiles.deleteRecursively(p);
        } else if (ContainerStore.isId(n)) {
          Path f = p.resolve(CONFIG);
          try {
            ContainerConfig c = JSON.readValue(f.toFile(), ContainerConfig.class);
            out.put(c.id(), c);
          } catch (IOException e) {
            throw new CorruptDataException("container " + n + ": damaged " + f, n, e);
          }
        }
      }
    }
    return out;
  }

  /** Records {@code c}, durably; it was not there before. */
  void put(ContainerConfig c) throws IOException {
    Path tmp = dir.resolve(".new-" + c.id());
    Files.createDirectories(tmp);
    try (FileChannel ch =
        FileChannel.open(
            tmp.resolve(CONFIG), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c)));
      ch.force(true);
    }
    AtomicFiles.publishDirectory(tmp, dir.resolve(c.id()));
  }

  /** Forgets container {@code id}, durably. */
  void remove(String id) throws IOException {
    AtomicFiles.removeDirectory(dir.resolve(id), dir.resolve(".rm-" + id));
  }
}

package io.strata.store.container;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configs of the containers, one folder per container, {@code
 * DATA/containers/<id>/config.json}. A folder is written whole as {@code .new-<id>} and renamed
 * into place, and removed by renaming it to {@code .rm-<id>} first; each rename is made durable
 * before the call returns. So a container exists exactly when its folder does, and a crash leaves
 * only {@code .new-} and {@code .rm-} folders, which {@link #load} deletes.
 *
 * <p>Each config carries a checksum ({@link RecordSeal}) and is refused at load when it fails it,
 * as when it is not JSON: the server does not start, so the container's writable layer is never
 * taken for an orphan and removed. A config written before checksums existed has none; it loads if
 * its id is its folder's name and it names no member a config does not have (a flipped bit in a
 * name), and is rewritten with its checksum.
 */
final class ContainerRecords {
  private static final System.Logger LOG = System.getLogger(ContainerRecords.class.getName());
  private static final String CONFIG = "config.json";
  // a newer release's members are ignored: its records stay readable after a downgrade
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  // a record without a checksum is read strictly: a damaged member name is all it can show
  private static final ObjectMapper UNSEALED =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

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
          out.put(n, read(n, p.resolve(CONFIG)));
        }
      }
    }
    return out;
  }

  /** The config of container {@code id} in {@code f}, checked; an unsealed one is sealed. */
  private ContainerConfig read(String id, Path f) throws IOException {
    byte[] b;
    JsonNode tree;
    try {
      b = Files.readAllBytes(f);
      tree = JSON.readTree(b);
    } catch (IOException e) {
      throw damaged(id, f, reason(e), e);
    }
    if (tree == null || !tree.isObject()) {
      throw damaged(id, f, "it is not a JSON object", null);
    }
    boolean sealed = tree.has(RecordSeal.MEMBER);
    if (sealed) {
      String problem = RecordSeal.problem(b);
      if (problem != null) {
        throw damaged(id, f, problem, null);
      }
    }
    ContainerConfig c;
    try {
      c = (sealed ? JSON : UNSEALED).treeToValue(tree, ContainerConfig.class);
    } catch (IOException | RuntimeException e) {
      throw damaged(id, f, reason(e), e);
    }
    if (!id.equals(c.id())) {
      throw damaged(id, f, "its id " + c.id() + " is not its folder's name", null);
    }
    if (!sealed) {
      seal(c, f);
    }
    return c;
  }

  private static CorruptDataException damaged(String id, Path f, String why, Exception cause) {
    String m = "container " + id + ": damaged " + f + ": " + why;
    return cause == null ? new CorruptDataException(m, id) : new CorruptDataException(m, id, cause);
  }

  // Jackson's own message, one line, without the location it appends
  private static String reason(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
    return m.replaceAll("\\s+", " ");
  }

  /**
   * Rewrites an unsealed config with its checksum, so that later damage to it is found. Failing (a
   * full disk) keeps the old file, which loads as it did: the next start tries again.
   */
  private static void seal(ContainerConfig c, Path f) {
    try {
      AtomicFiles.write(f, bytes(c));
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "container {0}: cannot add a checksum to {1}: {2}",
          c.id(),
          f,
          e.toString());
    }
  }

  private static byte[] bytes(ContainerConfig c) throws IOException {
    return RecordSeal.seal(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c));
  }

  /** Records {@code c}, durably; it was not there before. */
  void put(ContainerConfig c) throws IOException {
    Path tmp = dir.resolve(".new-" + c.id());
    AtomicFiles.createPrivateDirectories(tmp);
    try (FileChannel ch = AtomicFiles.createPrivateChannel(tmp.resolve(CONFIG))) {
      ch.write(ByteBuffer.wrap(bytes(c)));
      ch.force(true);
    }
    AtomicFiles.publishDirectory(tmp, dir.resolve(c.id()));
  }

  /** Forgets container {@code id}, durably. */
  void remove(String id) throws IOException {
    AtomicFiles.removeDirectory(dir.resolve(id), dir.resolve(".rm-" + id));
  }
}

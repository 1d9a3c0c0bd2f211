package io.strata.server.op;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * An upload kept in a file under the data root's {@code tmp} directory until the engine reads it
 * (archives must be read out of order). The file sits in a directory of its own and carries the
 * client's name for it, so the engine's messages name what the user gave. Closing deletes both.
 */
final class Spool implements AutoCloseable {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");
  private static final String PREFIX = "upload-";

  private final Path dir;
  private final Path file;
  // raised when the client cancels while the engine works on the complete upload
  private final io.strata.store.engine.StopSignal stop = new io.strata.store.engine.StopSignal();

  private Spool(Path dir, Path file) {
    this.dir = dir;
    this.file = file;
  }

  /**
   * A new empty spool in {@code tmp}, named {@code name} when that is a plain file name, else
   * {@code fallback}.
   */
  static Spool create(Path tmp, String name, String fallback) throws IOException {
    Files.createDirectories(tmp);
    Path dir = Files.createTempDirectory(tmp, PREFIX);
    String base = name != null && SAFE.matcher(name).matches() ? name : fallback;
    return new Spool(dir, dir.resolve(base));
  }

  /**
   * Deletes the spools a server that stopped abruptly (kill -9, power loss) left in {@code tmp};
   * run at start, while no upload is in flight. Returns how many there were.
   */
  static int removeLeftovers(Path tmp) throws IOException {
    if (!Files.isDirectory(tmp)) {
      return 0;
    }
    int n = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      for (Path dir : dirs) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
          for (Path f : files) {
            Files.delete(f);
          }
        }
        Files.delete(dir);
        n++;
      }
    }
    return n;
  }

  /** What the work on this upload reads through, to stop when the client cancels. */
  io.strata.store.engine.StopSignal stop() {
    return stop;
  }

  /** The file holding the upload. */
  Path file() {
    return file;
  }

  /** Deletes the upload; idempotent. */
  @Override
  public void close() throws IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(dir);
  }
}

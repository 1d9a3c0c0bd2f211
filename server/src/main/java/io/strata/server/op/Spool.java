package io.strata.server.op;

import java.io.IOException;
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

  private final Path dir;
  private final Path file;

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
    Path dir = Files.createTempDirectory(tmp, "upload-");
    String base = name != null && SAFE.matcher(name).matches() ? name : fallback;
    return new Spool(dir, dir.resolve(base));
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

package io.strata.perf;

import io.strata.store.disk.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh temporary directory for one store or repository, deleted with everything in it. */
public final class ScratchDir implements AutoCloseable {
  private final Path path;

  private ScratchDir(Path path) {
    this.path = path;
  }

  /** Creates a new directory under {@code parent}, named after {@code prefix}. */
  public static ScratchDir create(Path parent, String prefix) throws IOException {
    Files.createDirectories(parent);
    return new ScratchDir(Files.createTempDirectory(parent, prefix));
  }

  /** The directory. */
  public Path path() {
    return path;
  }

  /** Deletes the directory and everything under it. */
  @Override
  public void close() throws IOException {
    deleteTree(path);
  }

  /** Deletes {@code path} and, if it is a directory, everything under it; nothing if absent. */
  public static void deleteTree(Path path) throws IOException {
    AtomicFiles.deleteRecursively(path);
  }
}

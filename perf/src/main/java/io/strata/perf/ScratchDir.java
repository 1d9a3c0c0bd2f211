package io.strata.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

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
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw new IOException("deleting " + path, e.getCause());
    }
  }
}

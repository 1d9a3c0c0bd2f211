package io.strata.perf.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A named directory tree and its regular files (symbolic links are not followed), in name order.
 *
 * @param name what the reports call it
 * @param root the top of the tree
 * @param files every regular file under it
 * @param bytes the sum of their sizes
 */
public record DataSet(String name, Path root, List<Path> files, long bytes) {
  public DataSet {
    files = List.copyOf(files);
  }

  /** Parses {@code NAME=DIR} or {@code DIR} (named after its last element) and lists the tree. */
  public static DataSet parse(String spec) throws IOException {
    int eq = spec.indexOf('=');
    Path root = Path.of(eq < 0 ? spec : spec.substring(eq + 1)).toAbsolutePath().normalize();
    String name = eq < 0 ? String.valueOf(root.getFileName()) : spec.substring(0, eq);
    if (!Files.isDirectory(root)) {
      throw new IOException("data set " + name + ": " + root + " is not a directory");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files =
          s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
              .sorted()
              .toList();
    }
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    return new DataSet(name, root, files, bytes);
  }
}

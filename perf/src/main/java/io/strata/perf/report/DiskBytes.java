package io.strata.perf.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a store or repository takes on disk: the bytes of the regular files under a directory. */
public final class DiskBytes {
  private DiskBytes() {}

  /** Bytes of the regular files under {@code dir} (symbolic links are not followed). */
  public static long under(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long total = 0;
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        total += Files.size(p);
      }
      return total;
    }
  }
}

package io.strata.perf.driver;

import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A committed image layer of many small files, as a base for containers: directories {@code /dN} of
 * {@value #PER_DIR} files {@code /dN/fM} each, every file holding its own path (so no two are
 * equal). Written as a layer import writes, with sync deferred to the commit.
 */
final class FileTree {
  /** Files per directory, as in the conformance test's 100,000-file tree. */
  static final int PER_DIR = 1000;

  private FileTree() {}

  /** The path of file number {@code i} of a tree. */
  static String path(int i) {
    return "/d" + i / PER_DIR + "/f" + i % PER_DIR;
  }

  /**
   * Builds a tree of {@code files} files in a new active snapshot and commits it as {@code name};
   * returns the nanoseconds it took.
   */
  static long commit(StorageDriver driver, String name, int files) throws IOException {
    long start = System.nanoTime();
    String active = name + "-building";
    driver.prepare(active, null, Map.of());
    FileSystemView fs = driver.fs(active);
    fs.deferSync(true);
    for (int i = 0; i < files; i++) {
      if (i % PER_DIR == 0) {
        fs.mkdir("/d" + i / PER_DIR, 0755);
      }
      String p = path(i);
      byte[] content = (p + "\n").getBytes(StandardCharsets.UTF_8);
      fs.write(p, 0, content, 0, content.length);
    }
    fs.deferSync(false);
    driver.commit(name, active);
    return System.nanoTime() - start;
  }
}

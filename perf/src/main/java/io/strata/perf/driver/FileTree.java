package io.strata.perf.driver;

import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * An image layer of many small files, as a base for containers: directories {@code /dN} of {@value
 * #PER_DIR} files {@code /dN/fM} each, every file holding its own path (so no two are equal).
 * Written straight into a driver snapshot as a layer import writes, with sync deferred to the
 * commit, or as a layer tar for the image store to import.
 */
final class FileTree {
  /** Files per directory, as in the conformance test's 100,000-file tree. */
  static final int PER_DIR = 1000;

  private FileTree() {}

  /** The path of file number {@code i} of a tree. */
  static String path(int i) {
    return "/d" + i / PER_DIR + "/f" + i % PER_DIR;
  }

  /** What the file at {@code path} holds: its path and a newline. */
  static byte[] content(String path) {
    return (path + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Writes the tree of {@code files} files as a plain layer tar to {@code file}. */
  static void tar(Path file, int files) throws IOException {
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(
            new BufferedOutputStream(Files.newOutputStream(file)), "UTF-8")) {
      for (int i = 0; i < files; i++) {
        if (i % PER_DIR == 0) {
          TarArchiveEntry d = new TarArchiveEntry("d" + i / PER_DIR + "/", TarConstants.LF_DIR);
          d.setMode(0755);
          tar.putArchiveEntry(d);
          tar.closeArchiveEntry();
        }
        String p = path(i);
        byte[] content = content(p);
        TarArchiveEntry e = new TarArchiveEntry(p.substring(1), TarConstants.LF_NORMAL);
        e.setMode(0644);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
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
      byte[] content = content(p);
      fs.write(p, 0, content, 0, content.length);
    }
    fs.deferSync(false);
    driver.commit(name, active);
    return System.nanoTime() - start;
  }
}

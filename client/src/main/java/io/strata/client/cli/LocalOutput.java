package io.strata.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Files and directories the client writes ({@code blob get -o}, {@code image export -o}). Each is
 * first written under a temporary name beside its target and renamed into place only once complete,
 * so a failure never leaves a partial output.
 */
final class LocalOutput {
  /** Writes a file's content. */
  @FunctionalInterface
  interface FileBody {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Fills a new directory. */
  @FunctionalInterface
  interface DirectoryBody {
    void fill(Path dir) throws IOException;
  }

  private LocalOutput() {}

  /** Writes file {@code output} (replacing it) with what {@code body} writes. */
  static void file(Path output, FileBody body) throws IOException {
    Path target = output.toAbsolutePath();
    if (Files.isDirectory(target)) {
      throw new IOException("output " + output + " is a directory");
    }
    Path temp =
        Files.createTempFile(parent(output, target), "." + target.getFileName() + ".", ".part");
    boolean done = false;
    try {
      try (OutputStream out = Files.newOutputStream(temp)) {
        body.writeTo(out);
      }
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Makes directory {@code output}, filled by {@code body}; {@code output} must not exist or be an
   * empty directory.
   */
  static void directory(Path output, DirectoryBody body) throws IOException {
    Path target = output.toAbsolutePath();
    if (Files.exists(target) && !isEmptyDirectory(target)) {
      throw new IOException("output " + output + " exists and is not an empty directory");
    }
    Path temp = Files.createTempDirectory(parent(output, target), "." + target.getFileName() + ".");
    boolean done = false;
    try {
      body.fill(temp);
      Files.deleteIfExists(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        deleteTree(temp);
      }
    }
  }

  private static Path parent(Path output, Path target) throws IOException {
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("output " + output + ": directory " + dir + " does not exist");
    }
    return dir;
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

package io.strata.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

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

  /**
   * Deletes {@code dir} and everything in it, read-only directories included (a staged copy keeps
   * the modes it was sent with); nothing when it does not exist.
   */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            ownerWritable(d);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Lets the owner change directory {@code dir}'s entries. */
  static void ownerWritable(Path dir) throws IOException {
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (p.add(PosixFilePermission.OWNER_WRITE) | p.add(PosixFilePermission.OWNER_EXECUTE)) {
      Files.setPosixFilePermissions(dir, p);
    }
  }
}

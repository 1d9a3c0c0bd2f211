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
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Files and directories the client writes ({@code blob get -o}, {@code image export -o}, {@code
 * export -o}). Each is first written under a hidden temporary name beside its target, {@code
 * .NAME.PID.RANDOM.part}, and renamed into place only once complete, so a failure never leaves a
 * partial output. The temporary is removed on failure, by a shutdown hook when the run is
 * interrupted (Ctrl-C, SIGTERM), and, when the process was killed outright, by the next run writing
 * into the same directory, which removes every {@code .NAME.*.part} whose process is gone. Outputs
 * get the modes docker gives them: files {@code 0666 & ~umask}, directories {@code 0777 & ~umask}.
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

  /** Temporaries being written by this process; the shutdown hook removes what is left. */
  private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

  private static final AtomicBoolean HOOKED = new AtomicBoolean();

  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalOutput() {}

  /**
   * Writes file {@code output} (replacing it) with what {@code body} writes. A symlink is followed
   * (the file it names is written, the link stays); an existing device, FIFO or socket is written
   * through as it is, as {@code cp} and {@code curl -o} do ({@code -o /dev/null} must not replace
   * the host's {@code /dev/null} with a regular file).
   */
  static void file(Path output, FileBody body) throws IOException {
    Path target = followLinks(output, output.toAbsolutePath());
    if (Files.isDirectory(target)) {
      throw new IOException("output " + output + " is a directory");
    }
    if (Files.exists(target) && !Files.isRegularFile(target)) {
      try (OutputStream out =
          Files.newOutputStream(target, java.nio.file.StandardOpenOption.WRITE)) {
        body.writeTo(out);
      }
      return;
    }
    Path temp = temporary(output, target);
    Files.createFile(temp);
    boolean done = false;
    try {
      try (OutputStream out = Files.newOutputStream(temp)) {
        body.writeTo(out);
      }
      Files.setPosixFilePermissions(temp, Umask.apply(Umask.FILE));
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
      PENDING.remove(temp);
    }
  }

  /** Where {@code target} leads once its symlinks are followed, dangling ones included. */
  private static Path followLinks(Path output, Path target) throws IOException {
    Path p = target;
    for (int hops = 0; Files.isSymbolicLink(p); hops++) {
      if (hops == 40) {
        throw new IOException("output " + output + ": too many levels of symlinks");
      }
      p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath().normalize();
    }
    return p;
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
    Path temp = temporary(output, target);
    Files.createDirectory(temp);
    boolean done = false;
    try {
      body.fill(temp);
      Files.setPosixFilePermissions(temp, Umask.apply(Umask.DIRECTORY));
      Files.deleteIfExists(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        deleteTree(temp);
      }
      PENDING.remove(temp);
    }
  }

  /**
   * A fresh temporary name beside {@code target}, registered for removal at exit, after sweeping
   * the temporaries of {@code target} that killed processes left.
   */
  private static Path temporary(Path output, Path target) throws IOException {
    Path dir = parent(output, target);
    String name = target.getFileName().toString();
    sweep(dir, name);
    hook();
    long pid = ProcessHandle.current().pid();
    Path temp =
        dir.resolve(
            "." + name + "." + pid + "." + Long.toUnsignedString(RANDOM.nextLong()) + ".part");
    PENDING.add(temp);
    return temp;
  }

  /**
   * Removes {@code .NAME.PID.RANDOM.part} files and directories in {@code dir} whose process PID no
   * longer runs: what a killed run (SIGKILL, a power cut) left. Temporaries of a running process,
   * this one included, are left alone.
   */
  static void sweep(Path dir, String name) throws IOException {
    String prefix = "." + name + ".";
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob(prefix) + "*.part")) {
      for (Path p : entries) {
        String rest = p.getFileName().toString().substring(prefix.length());
        String[] parts = rest.split("\\.");
        if (parts.length != 3 || !parts[0].matches("[0-9]{1,10}")) {
          continue;
        }
        long pid = Long.parseLong(parts[0]);
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        deleteTree(p);
      }
    }
  }

  /** {@code s} with glob metacharacters escaped. */
  private static String glob(String s) {
    return s.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
  }

  private static void hook() {
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(LocalOutput::removePending, "strata-remove-partial"));
    }
  }

  /** Removes the temporaries still registered: the run is ending without finishing them. */
  private static void removePending() {
    for (Path p : PENDING) {
      // a writer may still be adding entries to a directory: try a few times
      for (int attempt = 0; attempt < 5; attempt++) {
        try {
          deleteTree(p);
          break;
        } catch (IOException e) {
          // retried; the JVM is exiting and has nowhere to report it
        }
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
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(dir);
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

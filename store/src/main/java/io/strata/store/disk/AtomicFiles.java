package io.strata.store.disk;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.commons.io.file.PathUtils;

/**
 * Files replaced whole, atomically and durably: the content goes to a temporary file beside the
 * target, which is forced, renamed over the target, and the directory forced so the rename itself
 * survives a power cut. After a crash the target holds either the old content or the new, never a
 * mix; a temporary file left behind is ignored and overwritten by the next write.
 */
public final class AtomicFiles {
  /** Owner read and write only: a data root holds other people's data. */
  public static final Set<PosixFilePermission> PRIVATE_FILE =
      PosixFilePermissions.fromString("rw-------");

  /** Owner only, for directories of the data root. */
  public static final Set<PosixFilePermission> PRIVATE_DIR =
      PosixFilePermissions.fromString("rwx------");

  private AtomicFiles() {}

  /** Writes the content to a stream; may throw. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Replaces {@code target} by what {@code content} writes (see the class comment). */
  public static void write(Path target, Content content) throws IOException {
    Path tmp = temporaryOf(target);
    boolean done = false;
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              Set.of(
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING),
              privateFile(tmp))) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
        content.writeTo(out);
        out.flush();
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(target.getParent());
      done = true;
    } finally {
      if (!done) {
        // A full disk must not keep the half-written copy: it holds space the store needs back.
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** Replaces {@code target} by {@code bytes} (see the class comment). */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** The temporary file {@link #write} uses for {@code target}. */
  public static Path temporaryOf(Path target) {
    return target.resolveSibling(target.getFileName() + ".tmp");
  }

  /** Makes a create, rename or unlink in {@code dir} durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Puts the directory {@code staged}, fully written beside {@code target}, in place with one
   * rename: its entries are made durable first, then the rename. After a crash {@code target} is
   * either absent or whole; a staged directory left behind is for its owner to delete on open.
   */
  public static void publishDirectory(Path staged, Path target) throws IOException {
    syncDirectory(staged);
    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(target.getParent());
  }

  /**
   * Removes the directory {@code dir} and everything in it: first renamed to {@code aside}
   * (durably), so that after a crash the name is either whole or gone, never half-deleted; then
   * deleted. An aside left behind by a crash is for its owner to delete on open.
   */
  public static void removeDirectory(Path dir, Path aside) throws IOException {
    Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(dir.getParent());
    deleteRecursively(aside);
  }

  /**
   * Deletes {@code path} and, when it is a directory, everything under it, following no symbolic
   * link (a link is deleted, never what it points at: a volume may hold links out of it); nothing
   * when it does not exist.
   */
  public static void deleteRecursively(Path path) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      PathUtils.delete(path);
    }
  }

  /**
   * Creates {@code dir} and its missing parents, each new one readable by the owner only (existing
   * ones keep their mode: an operator may have chosen it), and makes each creation durable.
   */
  public static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) {
      createPrivateDirectories(parent);
    }
    try {
      Files.createDirectory(dir, privateDir(dir));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
      return;
    }
    // The new name is durable only once its parent is.
    if (parent != null) {
      syncDirectory(parent);
    }
  }

  /**
   * Creates the directories above {@code dir} that are missing, owner-only, then {@code dir} itself
   * with the default mode: for a directory whose mode a container sees (a volume's {@code _data},
   * 0755 as Docker makes it), kept private by the directory above it.
   */
  public static void createPrivateParents(Path dir) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) {
      createPrivateDirectories(parent);
    }
    Files.createDirectories(dir);
  }

  /** Creates the directory {@code dir}, owner-only; its parent must exist. */
  public static Path createPrivateDirectory(Path dir) throws IOException {
    return Files.createDirectory(dir, privateDir(dir));
  }

  /** Creates the new, empty file {@code p}, owner read and write only. */
  public static Path createPrivateFile(Path p) throws IOException {
    return Files.createFile(p, privateFile(p));
  }

  /**
   * As {@link Files#newOutputStream(Path, java.nio.file.OpenOption...)}: {@code p} created if
   * missing (owner read and write only; the umask would leave it readable by all) or truncated.
   */
  public static OutputStream newPrivateOutputStream(Path p) throws IOException {
    return Channels.newOutputStream(
        FileChannel.open(
            p,
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING),
            privateFile(p)));
  }

  /** Creates the new file {@code p} (owner read and write only) and opens it for writing. */
  public static FileChannel createPrivateChannel(Path p) throws IOException {
    return FileChannel.open(
        p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), privateFile(p));
  }

  /**
   * Copies {@code in} to {@code p}, replacing it, as {@link Files#copy(InputStream, Path,
   * java.nio.file.CopyOption...)} with {@code REPLACE_EXISTING}; a new file is owner read and write
   * only.
   */
  public static long copyPrivate(java.io.InputStream in, Path p) throws IOException {
    try (OutputStream out = newPrivateOutputStream(p)) {
      return in.transferTo(out);
    }
  }

  /**
   * Writes {@code bytes} to {@code p}, as {@link Files#write(Path, byte[],
   * java.nio.file.OpenOption...)}, a new file owner read and write only.
   */
  public static void writePrivate(Path p, byte[] bytes) throws IOException {
    try (OutputStream out = newPrivateOutputStream(p)) {
      out.write(bytes);
    }
  }

  /** The owner-only attribute for a new file at {@code p}, where the file system has modes. */
  public static FileAttribute<?>[] privateFile(Path p) {
    return posix(p)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE_FILE)}
        : new FileAttribute<?>[0];
  }

  private static FileAttribute<?>[] privateDir(Path p) {
    return posix(p)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE_DIR)}
        : new FileAttribute<?>[0];
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}

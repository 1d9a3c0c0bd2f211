package io.strata.store.registry;

import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.FsckReport;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * Registry blobs that are durable but not in the chunk store yet: each a file of {@code DIR} named
 * by the hex of its digest, the upload's spool hard-linked there (copied when links fail) once its
 * digest matched, its data and the directory entry forced to disk before the push is answered. A
 * staged file is the only copy of its blob until its job ({@code RecipeJobs} in the server) has
 * stored it as a Strata blob and moved the repositories' links there; then it is deleted. So the
 * final {@code PUT} of a 100 MB layer costs a hard link and two fsyncs instead of chunking, hashing
 * and compressing it only for the job to replace it with a recipe seconds later.
 *
 * <p>A file is never written in place: a copy goes to a {@code .partial-} file, forced, then
 * renamed; partial files are left only by a crash and are ignored (and deleted when the jobs are
 * queued at the next start, {@link #list}).
 */
public final class StagedBlobs {
  private static final String PARTIAL = ".partial-";
  private static final int READ_PIECE = 1 << 20;

  private final Path dir;

  /** Blobs staged in {@code dir}, which is made (and its parent synced) at the first stage. */
  public StagedBlobs(Path dir) {
    this.dir = dir;
  }

  /** The directory the staged files are in. */
  public Path dir() {
    return dir;
  }

  /** Whether {@code file} starts as a gzip stream (deflate method). */
  public static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] m = in.readNBytes(3);
      return io.strata.store.gzip.GzipRecipes.startsGzip(m, m.length);
    }
  }

  /**
   * Makes {@code file}, whose bytes the caller found to hash to {@code d}, the staged blob {@code
   * d}, durably: the file's data forced, hard-linked (or copied) into the directory under a partial
   * name, renamed over the staged name, the directory forced. A blob staged already gets the new
   * file: the same bytes, unless the old file was damaged, which a push again so mends (a reader or
   * job that opened the old one goes on reading it).
   */
  public void stage(Digest d, Path file) throws IOException {
    if (!Files.isDirectory(dir)) {
      AtomicFiles.createPrivateDirectories(dir);
      AtomicFiles.syncDirectory(dir.getParent());
    }
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Path partial = dir.resolve(PARTIAL + UUID.randomUUID());
    try {
      try {
        Files.createLink(partial, file);
      } catch (IOException | UnsupportedOperationException e) {
        copy(file, partial);
      }
      Files.move(
          partial, file(d), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    AtomicFiles.syncDirectory(dir);
  }

  private static void copy(Path file, Path partial) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                partial,
                java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                AtomicFiles.privateFile(partial))) {
      long at = 0;
      long size = in.size();
      while (at < size) {
        at += in.transferTo(at, size - at, out);
      }
      out.force(true);
    }
  }

  /** The file of staged blob {@code d} (which may not exist). */
  public Path file(Digest d) {
    return dir.resolve(d.hex());
  }

  /** Whether blob {@code d} is staged. */
  public boolean has(Digest d) {
    return Files.exists(file(d));
  }

  /**
   * The length of staged blob {@code d}; {@link NoSuchFileException} when it is not (or no longer)
   * staged.
   */
  public long size(Digest d) throws IOException {
    return Files.size(file(d));
  }

  /**
   * The bytes of staged blob {@code d} from {@code offset}, {@code length} of them (-1: to the
   * end); {@link NoSuchFileException} when it is not (or no longer) staged. The stream holds the
   * file open, so a job deleting it meanwhile does not cut the read short.
   */
  public InputStream open(Digest d, long offset, long length) throws IOException {
    FileChannel c = FileChannel.open(file(d), StandardOpenOption.READ);
    try {
      long size = c.size();
      if (offset < 0 || offset > size) {
        throw new InvalidArgumentException(
            "blob " + d + ": offset " + offset + " is outside its " + size + " bytes");
      }
      long end = length < 0 ? size : Math.min(size, offset + length);
      c.position(offset);
      return BoundedInputStream.builder()
          .setInputStream(Channels.newInputStream(c))
          .setMaxCount(end - offset)
          .setPropagateClose(true)
          .get();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Deletes staged file {@code d}: called once the chunk store holds the blob. */
  public void delete(Digest d) throws IOException {
    Files.deleteIfExists(file(d));
  }

  /** The staged blobs, and deletes partial copies a crash left (call before anything stages). */
  public List<Digest> list() throws IOException {
    List<Digest> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String n = p.getFileName().toString();
        if (n.matches("[0-9a-f]{64}")) {
          out.add(Digest.parse("sha256:" + n));
        } else if (n.startsWith(PARTIAL)) {
          Files.deleteIfExists(p);
        }
      }
    }
    return out;
  }

  /** Bytes the staged files take (what {@code strata info} reports as waiting staged). */
  public long bytes() throws IOException {
    long total = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "[0-9a-f]*")) {
      for (Path p : files) {
        try {
          total += Files.size(p);
        } catch (NoSuchFileException e) {
          // stored and deleted since it was listed
        }
      }
    }
    return total;
  }

  /**
   * Hashes every staged file and reports each whose bytes are not the blob it is named by, with the
   * registry links ({@code reg/link/REPO@HEX}) that rely on it. A file its job deletes while it is
   * checked is in the chunk store, which the chunk check covers.
   */
  public List<FsckReport.Damage> check(ChunkStore chunks) throws IOException {
    List<FsckReport.Damage> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "[0-9a-f]*")) {
      files.forEach(names::add);
    }
    ByteBuffer buf = ByteBuffer.allocate(READ_PIECE);
    for (Path p : names) {
      String hex = p.getFileName().toString();
      if (!hex.matches("[0-9a-f]{64}")) {
        continue;
      }
      Digest got;
      try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
        MessageDigest sha = Digest.newSha256();
        buf.clear();
        while (c.read(buf) >= 0) {
          buf.flip();
          sha.update(buf);
          buf.clear();
        }
        got = Digest.of(sha.digest());
      } catch (NoSuchFileException e) {
        continue;
      }
      if (!got.hex().equals(hex)) {
        List<String> users = new ArrayList<>();
        for (Root r : chunks.roots(RegistryStore.LINK)) {
          if (r.name().endsWith("@" + hex)) {
            users.add(r.name());
          }
        }
        out.add(
            new FsckReport.Damage(
                "staged blob sha256:" + hex + " (" + p + ")",
                "its content has digest " + got + ": the file is damaged",
                users));
      }
    }
    return out;
  }
}

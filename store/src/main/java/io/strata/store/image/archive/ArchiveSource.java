package io.strata.store.image.archive;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.CheckedTarInputStream;
import io.strata.store.image.layer.EntryPath;
import io.strata.store.image.layer.SourceReadException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The files of an image archive by relative name, whether it is a directory (an OCI layout) or a
 * tar (a docker-save archive, an OCI layout in a tar). Names are checked: none leaves the archive.
 */
abstract sealed class ArchiveSource implements Closeable {
  /** Whether the archive has a regular file {@code name}. */
  abstract boolean has(String name) throws IOException;

  /** The content of {@code name}. */
  abstract InputStream open(String name) throws IOException;

  /** The recipe that regenerates blob {@code name}, when the source already knows one. */
  io.strata.store.gzip.GzipRecipe gzipRecipe(String name) {
    return null;
  }

  /**
   * The uncompressed contents of blob {@code name} when the source holds it as a verified recipe
   * ({@link BlobFiles#openUncompressed}), else null.
   */
  InputStream openUncompressed(String name) throws IOException {
    return null;
  }

  /** The length of blob {@code name} when a Strata blob holds it whole, else -1. */
  long storedWhole(String name) {
    return -1;
  }

  /** The whole of a small file (a manifest, a config), at most {@code limit} bytes. */
  byte[] read(String name, int limit) throws IOException {
    try (InputStream in = open(name)) {
      byte[] b = in.readNBytes(limit + 1);
      if (b.length > limit) {
        throw new InvalidArgumentException(
            "archive entry " + name + ": larger than " + limit + " bytes");
      }
      return b;
    }
  }

  static String clean(String name) {
    return EntryPath.of(name, "/").substring(1);
  }

  static ArchiveSource directory(Path dir) {
    return new Directory(dir);
  }

  static ArchiveSource tar(Path file) throws IOException {
    return new Tar(file);
  }

  /**
   * An OCI layout whose {@code index.json} is {@code index} and whose {@code blobs/sha256/<hex>}
   * are the blobs {@code blobs} holds: a registry's content read as an archive.
   */
  static ArchiveSource blobs(BlobFiles blobs, byte[] index) {
    return new Blobs(blobs, index);
  }

  /**
   * Whether the tar {@code file} has a regular file named one of {@code names}: read header by
   * header, keeping none, since {@link #tar} indexes every entry and a layer tar may hold millions.
   * False for what cannot be read as a tar.
   */
  static boolean tarHasAny(Path file, Set<String> names) throws IOException {
    try (CheckedTarInputStream in =
        new CheckedTarInputStream(readOf(file), "tar " + file.getFileName())) {
      TarArchiveEntry e;
      while ((e = in.nextEntry()) != null) {
        if (e.isFile() && names.contains(clean(e.getName()))) {
          return true;
        }
      }
      return false;
    } catch (java.io.UncheckedIOException e) {
      throw e; // the file could not be read (SourceReadException): no answer, not "no"
    } catch (IOException | IllegalArgumentException | InvalidArgumentException e) {
      return false; // not a tar we can index (or a name leaving it): read it as a layer
    }
  }

  /**
   * The bytes of {@code file}, a failure to read them (EIO, a directory) a {@link
   * SourceReadException} naming the file: the tar reader then reports it as an I/O error, not as a
   * corrupt tar.
   */
  static InputStream readOf(Path file) throws IOException {
    String what = "archive " + file;
    InputStream in;
    try {
      in = Files.newInputStream(file);
    } catch (IOException e) {
      throw new SourceReadException(what + ": cannot be read: " + e.getMessage(), e);
    }
    return new BufferedInputStream(
        new java.io.FilterInputStream(in) {
          @Override
          public int read() throws IOException {
            try {
              return super.read();
            } catch (IOException e) {
              throw new SourceReadException(what + ": cannot be read: " + e.getMessage(), e);
            }
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            try {
              return super.read(b, off, len);
            } catch (IOException e) {
              throw new SourceReadException(what + ": cannot be read: " + e.getMessage(), e);
            }
          }
        });
  }

  private static final class Directory extends ArchiveSource {
    private final Path root;

    Directory(Path root) {
      this.root = root;
    }

    private Path resolve(String name) {
      return root.resolve(clean(name));
    }

    @Override
    boolean has(String name) {
      return Files.isRegularFile(resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    InputStream open(String name) throws IOException {
      if (!has(name)) {
        throw new InvalidArgumentException("archive " + root + ": has no file " + name);
      }
      return Files.newInputStream(resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void close() {}
  }

  private static final class Blobs extends ArchiveSource {
    private static final String PREFIX = "blobs/sha256/";
    private final BlobFiles blobs;
    private final byte[] index;

    Blobs(BlobFiles blobs, byte[] index) {
      this.blobs = blobs;
      this.index = index.clone();
    }

    private io.strata.store.digest.Digest digest(String name) {
      String n = clean(name);
      if (n.startsWith(PREFIX) && n.substring(PREFIX.length()).matches("[0-9a-f]{64}")) {
        return io.strata.store.digest.Digest.parse("sha256:" + n.substring(PREFIX.length()));
      }
      return null;
    }

    @Override
    boolean has(String name) {
      if (clean(name).equals("index.json")) {
        return true;
      }
      io.strata.store.digest.Digest d = digest(name);
      return d != null && blobs.has(d);
    }

    @Override
    io.strata.store.gzip.GzipRecipe gzipRecipe(String name) {
      io.strata.store.digest.Digest d = digest(name);
      return d == null ? null : blobs.gzipRecipe(d);
    }

    @Override
    long storedWhole(String name) {
      io.strata.store.digest.Digest d = digest(name);
      return d == null ? -1 : blobs.storedWhole(d);
    }

    @Override
    InputStream openUncompressed(String name) throws IOException {
      io.strata.store.digest.Digest d = digest(name);
      return d == null || !blobs.has(d) ? null : blobs.openUncompressed(d);
    }

    @Override
    InputStream open(String name) throws IOException {
      if (clean(name).equals("index.json")) {
        return new java.io.ByteArrayInputStream(index);
      }
      if (!has(name)) {
        throw new InvalidArgumentException("registry content: has no blob " + name);
      }
      return blobs.open(digest(name));
    }

    @Override
    public void close() {}
  }

  private static final class Tar extends ArchiveSource {
    private final TarFile tar;
    private final Path file;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    Tar(Path file) throws IOException {
      this.file = file;
      // the headers past the marker tarHasAny stopped at are checked too: TarFile checks none
      try (CheckedTarInputStream in =
          new CheckedTarInputStream(readOf(file), "archive " + file.getFileName())) {
        while (in.nextEntry() != null) {
          // each header is checked as it is read
        }
      }
      try {
        this.tar = new TarFile(file, "UTF-8"); // checked as UTF-8 by checkHeaders
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidArgumentException(
            "archive " + file + ": truncated or corrupt tar (" + e.getMessage() + ")", e);
      }
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.isFile()) {
          entries.put(clean(e.getName()), e);
        }
      }
    }

    @Override
    boolean has(String name) {
      return entries.containsKey(clean(name));
    }

    @Override
    InputStream open(String name) throws IOException {
      TarArchiveEntry e = entries.get(clean(name));
      if (e == null) {
        throw new InvalidArgumentException("archive " + file + ": has no file " + name);
      }
      return tar.getInputStream(e);
    }

    @Override
    public void close() throws IOException {
      tar.close();
    }
  }
}

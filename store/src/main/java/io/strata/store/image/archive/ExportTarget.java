package io.strata.store.image.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Where an export writes its files: a directory (an OCI layout) or a tar stream (an OCI layout or a
 * docker-save archive). Every size is known before the bytes, so a tar streams without spooling.
 */
public abstract sealed class ExportTarget implements Closeable {
  /** Writes {@code size} bytes from {@code in} as {@code name}. */
  abstract void put(String name, long size, InputStream in) throws IOException;

  void put(String name, byte[] bytes) throws IOException {
    put(name, bytes.length, new java.io.ByteArrayInputStream(bytes));
  }

  /** Files under directory {@code dir}, made if missing. */
  public static ExportTarget directory(Path dir) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
    return new Directory(dir);
  }

  /** Entries of a tar written to {@code out}. */
  public static ExportTarget tar(OutputStream out) {
    return new Tar(out);
  }

  private static final class Directory extends ExportTarget {
    private final Path root;

    Directory(Path root) {
      this.root = root;
    }

    @Override
    void put(String name, long size, InputStream in) throws IOException {
      Path p = root.resolve(name);
      io.strata.store.disk.AtomicFiles.createPrivateDirectories(p.getParent());
      Path tmp = p.resolveSibling(p.getFileName() + ".partial");
      io.strata.store.disk.AtomicFiles.copyPrivate(in, tmp);
      Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {}
  }

  private static final class Tar extends ExportTarget {
    private final TarArchiveOutputStream tar;

    Tar(OutputStream out) {
      tar = new TarArchiveOutputStream(out, "UTF-8");
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    @Override
    void put(String name, long size, InputStream in) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setUserName(""); // the same archive whoever runs the server (docker save writes none)
      e.setSize(size);
      e.setMode(0644);
      e.setModTime(0);
      tar.putArchiveEntry(e);
      long copied = in.transferTo(tar);
      if (copied != size) {
        throw new IOException("export entry " + name + ": " + copied + " bytes, expected " + size);
      }
      tar.closeArchiveEntry();
    }

    @Override
    public void close() throws IOException {
      tar.finish();
      tar.flush();
    }
  }
}

package io.strata.store.image.archive;

import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.layer.ImportLimits;
import io.strata.store.image.layer.LayerStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What a file or directory of this host given to an import is: an archive (an OCI layout directory,
 * {@code dir:tag} picking its images of that ref name; a docker-save archive; an OCI layout in a
 * tar), or a plain directory or tar whose files make one layer. A compressed file (gzip, bzip2, xz,
 * zstd) is either once decompressed: a compressed {@code docker save} archive loads as the archive
 * it holds, as {@code docker load} takes it, and a compressed root file system makes one layer.
 */
public final class HostImport implements Closeable {
  private final ArchiveImport archive;
  private final String select;
  private final Path plain;
  private final String plainName;
  private final LayerStore layers;
  // the decompressed spool of a compressed file, deleted by close; null for any other source
  private final CompressedTar decompressed;
  // what every read of the source goes through, to stop when the client cancels
  private final StopSignal stop;

  private HostImport(
      ArchiveImport archive,
      String select,
      Path plain,
      String plainName,
      LayerStore layers,
      CompressedTar decompressed,
      StopSignal stop) {
    this.archive = archive;
    this.stop = stop;
    if (archive != null) {
      archive.readThrough(stop);
    }
    this.select = select;
    this.plain = plain;
    this.plainName = plainName;
    this.layers = layers;
    this.decompressed = decompressed;
  }

  /**
   * The import of {@code path}: a directory or file, or {@code path:tag} for the images of an OCI
   * layout of that ref name; its archive's layers go to {@code layers} of {@code chunks}. A
   * compressed file is decompressed into {@code tmpDir}, held to {@code limits}; every read of the
   * source goes through {@code stop}.
   */
  public static HostImport path(
      String path,
      LayerStore layers,
      ChunkStore chunks,
      Path tmpDir,
      ImportLimits limits,
      StopSignal stop)
      throws IOException {
    Path p = Path.of(path);
    String select = null;
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && path.lastIndexOf(':') > 0) {
      select = path.substring(path.lastIndexOf(':') + 1);
      p = Path.of(path.substring(0, path.lastIndexOf(':')));
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      ArchiveImport a = ArchiveImport.directory(p, layers, chunks);
      return new HostImport(a, select, a == null ? p : null, null, layers, null, stop);
    }
    if (!Files.isRegularFile(p)) {
      throw new NotFoundException("import source " + path + " not found");
    }
    return file(p, select, layers, chunks, tmpDir, limits, stop);
  }

  /**
   * The import of the regular file {@code file}: an archive tar, else a plain tar; compressed, the
   * same of the tar it decompresses to, named as {@code file}; every read of it goes through {@code
   * stop}.
   */
  public static HostImport file(
      Path file,
      String select,
      LayerStore layers,
      ChunkStore chunks,
      Path tmpDir,
      ImportLimits limits,
      StopSignal stop)
      throws IOException {
    String name = file.getFileName().toString();
    CompressedTar d = CompressedTar.of(file, name, tmpDir, limits, stop);
    if (d == null) {
      ArchiveImport a = ArchiveImport.tar(file, name, layers, chunks);
      return new HostImport(a, select, a == null ? file : null, name, layers, null, stop);
    }
    try {
      ArchiveImport a = ArchiveImport.tar(d.file(), name, layers, chunks);
      return new HostImport(a, select, a == null ? d.file() : null, name, layers, d, stop);
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** The archive to import, or null for a plain directory or tar ({@link #layer}). */
  public ArchiveImport archive() {
    return archive;
  }

  /** The ref name of the OCI layout images to import, or null for all. */
  public String select() {
    return select;
  }

  /** Makes the one layer of a plain directory or tar. */
  public LayerStore.Result layer() throws IOException {
    if (Files.isDirectory(plain, LinkOption.NOFOLLOW_LINKS)) {
      return layers.importTree(null, fs -> HostTree.copy(plain, fs));
    }
    try (InputStream in = stop.guard(Files.newInputStream(plain), "tar " + plainName)) {
      return layers.importPlainTar(in, "tar " + plainName);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (archive != null) {
        archive.close();
      }
    } finally {
      if (decompressed != null) {
        decompressed.close();
      }
    }
  }
}

package io.strata.store.image.archive;

import io.strata.store.engine.ChunkStore;
import io.strata.store.error.NotFoundException;
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
 * tar), or a plain directory or tar (plain, gzip or zstd) whose files make one layer.
 */
public final class HostImport implements Closeable {
  private final ArchiveImport archive;
  private final String select;
  private final Path plain;
  private final LayerStore layers;

  private HostImport(ArchiveImport archive, String select, Path plain, LayerStore layers) {
    this.archive = archive;
    this.select = select;
    this.plain = plain;
    this.layers = layers;
  }

  /**
   * The import of {@code path}: a directory or file, or {@code path:tag} for the images of an OCI
   * layout of that ref name; its archive's layers go to {@code layers} of {@code chunks}.
   */
  public static HostImport path(String path, LayerStore layers, ChunkStore chunks)
      throws IOException {
    Path p = Path.of(path);
    String select = null;
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && path.lastIndexOf(':') > 0) {
      select = path.substring(path.lastIndexOf(':') + 1);
      p = Path.of(path.substring(0, path.lastIndexOf(':')));
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      ArchiveImport a = ArchiveImport.directory(p, layers, chunks);
      return new HostImport(a, select, a == null ? p : null, layers);
    }
    if (!Files.isRegularFile(p)) {
      throw new NotFoundException("import source " + path + " not found");
    }
    return file(p, select, layers, chunks);
  }

  /** The import of the regular file {@code file}: an archive tar, else a plain tar. */
  public static HostImport file(Path file, String select, LayerStore layers, ChunkStore chunks)
      throws IOException {
    ArchiveImport a = ArchiveImport.tar(file, layers, chunks);
    return new HostImport(a, select, a == null ? file : null, layers);
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
    try (InputStream in = Files.newInputStream(plain)) {
      return layers.importPlainTar(in, "tar " + plain.getFileName(), true);
    }
  }

  @Override
  public void close() throws IOException {
    if (archive != null) {
      archive.close();
    }
  }
}

package io.strata.perf.image;

import io.strata.perf.ScratchDir;
import io.strata.perf.report.DiskBytes;
import io.strata.perf.report.ResourceProbe;
import io.strata.store.Engine;
import io.strata.store.compress.Compression;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.ImageStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A fresh data root (btrfs driver, verify on write as by default), open in this process with its
 * image store, into which images are imported in order; deleted when closed.
 */
final class ImageRoot implements AutoCloseable {
  private final ScratchDir dir;
  private final Engine engine;
  private final ImageStore images;

  /**
   * What one import did, with the store's figures right after it.
   *
   * @param usage what the import cost this process
   * @param rootBytes bytes of every file of the data root (packs, index, root log, driver files)
   * @param stats the chunk store's figures
   */
  record Imported(ResourceProbe.Usage usage, long rootBytes, ChunkStore.Stats stats) {}

  private ImageRoot(ScratchDir dir, Engine engine) throws IOException {
    this.dir = dir;
    this.engine = engine;
    this.images = ImageStore.open(engine);
  }

  /** Creates a data root under {@code scratch} whose new chunks are compressed with {@code c}. */
  static ImageRoot create(Path scratch, Compression c) throws IOException {
    ScratchDir dir = ScratchDir.create(scratch, "strata-images-");
    Engine engine = null;
    try {
      engine = Engine.open(dir.path(), "btrfs", ChunkStore.Options.defaults().withCompression(c));
      return new ImageRoot(dir, engine);
    } catch (IOException | RuntimeException e) {
      if (engine != null) {
        engine.close();
      }
      dir.close();
      throw e;
    }
  }

  /** Imports {@code source} as {@code ImageStore.importPath} reads it, tagged {@code tag}. */
  Imported importPath(String source, String tag) throws IOException {
    ResourceProbe probe = ResourceProbe.start();
    images.importPath(source, tag);
    ResourceProbe.Usage usage = probe.stop();
    return new Imported(usage, DiskBytes.under(engine.dataRoot()), engine.chunks().stats());
  }

  @Override
  public void close() throws IOException {
    try {
      engine.close();
    } finally {
      dir.close();
    }
  }
}

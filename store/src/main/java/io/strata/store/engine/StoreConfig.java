package io.strata.store.engine;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What is fixed when a chunk store is created and kept in {@code chunks/config}: the format version
 * and the chunker's sizes (changing them later would move every chunk boundary).
 *
 * @param formatVersion the on-disk format version
 * @param chunker the chunk sizes
 */
public record StoreConfig(int formatVersion, ChunkerParams chunker) {
  /** The file's name in the store's directory. */
  public static final String FILE = "config";

  /** The format this code writes. */
  public static final int FORMAT_VERSION = 1;

  /** Reads the config of the store in {@code dir}, or creates it from {@code fresh}. */
  static StoreConfig loadOrCreate(Path dir, ChunkerParams fresh) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      Properties p = new Properties();
      p.setProperty("format", Integer.toString(FORMAT_VERSION));
      p.setProperty("chunker.min", Integer.toString(fresh.min()));
      p.setProperty("chunker.avg", Integer.toString(fresh.avg()));
      p.setProperty("chunker.max", Integer.toString(fresh.max()));
      AtomicFiles.write(
          file,
          out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            p.store(w, "Strata chunk store; fixed at creation");
            w.flush();
          });
      return new StoreConfig(FORMAT_VERSION, fresh);
    }
    return parse(Files.readAllBytes(file), file.toString());
  }

  /** Parses a config file's bytes; {@code where} names them in errors. */
  static StoreConfig parse(byte[] bytes, String where) throws IOException {
    Properties p = new Properties();
    try (Reader r =
        new java.io.InputStreamReader(
            new java.io.ByteArrayInputStream(bytes), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    try {
      int format = Integer.parseInt(p.getProperty("format"));
      if (format != FORMAT_VERSION) {
        throw new CorruptDataException(
            where + ": format version " + format + " is not " + FORMAT_VERSION, where);
      }
      return new StoreConfig(
          format,
          new ChunkerParams(
              Integer.parseInt(p.getProperty("chunker.min")),
              Integer.parseInt(p.getProperty("chunker.avg")),
              Integer.parseInt(p.getProperty("chunker.max"))));
    } catch (NumberFormatException | NullPointerException e) {
      throw new CorruptDataException(where + ": unreadable store config", where, e);
    }
  }
}

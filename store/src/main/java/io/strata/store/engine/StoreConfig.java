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

  /**
   * The format this code writes. 2 since 2026-12-08: format 1 stores do not have group records
   * (version 3 of the pack record) or intent logs, and a release that knows only format 1 took the
   * open pack's first group record for a torn tail and cut the pack there, losing what it held, and
   * would ignore an intent log's acknowledged changes (docs/ADVERSARIAL.md, AI1). Such a release
   * refuses format 2 on open, before it touches anything.
   */
  public static final int FORMAT_VERSION = 2;

  /** The oldest format this code reads; it is upgraded to {@link #FORMAT_VERSION} on open. */
  static final int OLDEST_FORMAT = 1;

  private static final System.Logger LOG = System.getLogger(StoreConfig.class.getName());

  /** Reads the config of the store in {@code dir}, or creates it from {@code fresh}. */
  static StoreConfig loadOrCreate(Path dir, ChunkerParams fresh) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      write(file, fresh);
      return new StoreConfig(FORMAT_VERSION, fresh);
    }
    StoreConfig c = parse(Files.readAllBytes(file), file.toString());
    if (c.formatVersion() < FORMAT_VERSION) {
      // Before anything of the new format is written: from now on older releases refuse the root.
      write(file, c.chunker());
      LOG.log(
          System.Logger.Level.INFO,
          "{0}: format {1} upgraded to {2}; releases before 2026-12-08 refuse this data root now",
          file,
          c.formatVersion(),
          FORMAT_VERSION);
      return new StoreConfig(FORMAT_VERSION, c.chunker());
    }
    return c;
  }

  private static void write(Path file, ChunkerParams chunker) throws IOException {
    Properties p = new Properties();
    p.setProperty("format", Integer.toString(FORMAT_VERSION));
    p.setProperty("chunker.min", Integer.toString(chunker.min()));
    p.setProperty("chunker.avg", Integer.toString(chunker.avg()));
    p.setProperty("chunker.max", Integer.toString(chunker.max()));
    AtomicFiles.write(
        file,
        out -> {
          Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
          p.store(w, "Strata chunk store; chunker sizes fixed at creation");
          w.flush();
        });
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
      if (format < OLDEST_FORMAT || format > FORMAT_VERSION) {
        throw new CorruptDataException(
            where
                + ": format version "
                + format
                + " is not one this release reads ("
                + OLDEST_FORMAT
                + " to "
                + FORMAT_VERSION
                + ")"
                + (format > FORMAT_VERSION ? ": a newer release made it; run that one" : ""),
            where);
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

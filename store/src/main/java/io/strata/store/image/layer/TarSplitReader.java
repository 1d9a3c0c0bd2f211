package io.strata.store.image.layer;

import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.CorruptDataException;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a tar-split (see {@link TarSplitWriter}) record by record: raw tar segments, whose bytes
 * follow in {@link #segmentBytes}, and file records (whole files, or ranges of sparse ones),
 * numbered from 0.
 */
public final class TarSplitReader implements Closeable {
  /** What the next record is. */
  public enum Kind {
    SEGMENT,
    FILE,
    END
  }

  private final DataInputStream split;
  private final String where;
  private int fileNumber = -1;
  private long size;
  private long offset;
  private String path;

  public TarSplitReader(ChunkStore store, Recipe split, String where) throws IOException {
    this.where = where;
    this.split =
        new DataInputStream(
            new RecipeInputStream(store, split, 0, split.size(), "tar-split of " + where));
    byte[] magic = new byte[TarSplitWriter.MAGIC.length];
    this.split.readFully(magic);
    if (!Arrays.equals(magic, TarSplitWriter.MAGIC)) {
      throw new CorruptDataException(where + ": its tar-split has a bad header", where);
    }
  }

  /**
   * Moves to the next record. A segment's bytes must be read from {@link #segmentBytes} (or
   * skipped) before the next call.
   */
  public Kind next() throws IOException {
    int op;
    try {
      op = split.readByte();
      switch (op) {
        case TarSplitWriter.SEGMENT -> {
          size = nonNegative(split.readInt());
          return Kind.SEGMENT;
        }
        case TarSplitWriter.FILE, TarSplitWriter.RANGE -> {
          offset = op == TarSplitWriter.RANGE ? nonNegative(split.readLong()) : 0;
          size = nonNegative(split.readLong());
          byte[] name = new byte[split.readUnsignedShort()];
          split.readFully(name);
          path = new String(name, StandardCharsets.UTF_8);
          fileNumber++;
          return Kind.FILE;
        }
        case TarSplitWriter.END -> {
          return Kind.END;
        }
        default ->
            throw new CorruptDataException(
                where + ": its tar-split has an unknown record " + op, where);
      }
    } catch (EOFException e) {
      throw new CorruptDataException(where + ": its tar-split is cut short", where, e);
    }
  }

  private long nonNegative(long n) {
    if (n < 0) {
      throw new CorruptDataException(
          where + ": its tar-split has a record of " + n + " bytes", where);
    }
    return n;
  }

  /** The bytes of a segment record or of a file record's content. */
  public long size() {
    return size;
  }

  /** Where a file record's content starts in its file: 0, or a sparse range's offset. */
  public long offset() {
    return offset;
  }

  /** A file record's path. */
  public String path() {
    return path;
  }

  /** A file record's number. */
  public int fileNumber() {
    return fileNumber;
  }

  /** Where the current segment's bytes are read from. */
  public InputStream segmentBytes() {
    return split;
  }

  @Override
  public void close() throws IOException {
    split.close();
  }
}

package io.strata.store.image.layer;

import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileSystemView;
import java.io.ByteArrayInputStream;
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
 * numbered from 0. Reads versions 1, 2 and 3; the canonical record of version 2 ({@link
 * CanonicalSplit}) is expanded from the layer's tree into the same segment and file records, and a
 * run of zeros of version 3 reads as a segment of zeros, so a caller never sees the difference.
 */
public final class TarSplitReader implements Closeable {
  /** What the next record is. */
  public enum Kind {
    SEGMENT,
    FILE,
    END
  }

  /** The bytes of a run of zeros: as many as a reader takes (it reads the record's size). */
  private static final InputStream ZEROS =
      new InputStream() {
        @Override
        public int read() {
          return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          Arrays.fill(b, off, off + len, (byte) 0);
          return len;
        }
      };

  private final DataInputStream split;
  private final String where;
  private final FileSystemView tree;
  private final int version;
  private CanonicalSplit.Expansion expansion;
  private long expectedTarSize;
  private int expectedFiles;
  private InputStream segment;
  private int fileNumber = -1;
  private long size;
  private long offset;
  private String path;

  /** A reader of a split that needs no tree: version 1 only (a transfer's split, in transit). */
  public TarSplitReader(ChunkStore store, Recipe split, String where) throws IOException {
    this(store, split, where, null);
  }

  /**
   * A reader of the split of a layer whose tree is {@code tree} (null: none, and a version 2 split
   * is refused).
   */
  public TarSplitReader(ChunkStore store, Recipe split, String where, FileSystemView tree)
      throws IOException {
    this.where = where;
    this.tree = tree;
    this.split =
        new DataInputStream(
            new RecipeInputStream(store, split, 0, split.size(), "tar-split of " + where));
    this.segment = this.split;
    byte[] magic = new byte[TarSplitWriter.MAGIC.length];
    try {
      this.split.readFully(magic);
    } catch (EOFException e) {
      throw new CorruptDataException(where + ": its tar-split is cut short", where, e);
    }
    if (Arrays.equals(magic, TarSplitWriter.MAGIC)) {
      version = 1;
    } else if (Arrays.equals(magic, TarSplitWriter.MAGIC_V2)) {
      version = 2;
    } else if (Arrays.equals(magic, TarSplitWriter.MAGIC_V3)) {
      version = 3;
    } else {
      throw new CorruptDataException(where + ": its tar-split has a bad header", where);
    }
  }

  /**
   * The split's version: 1 keeps every byte of the tar that is not file content, 2 regenerates a
   * canonical tar from the layer's tree, 3 is version 1 with runs of zeros as their length.
   */
  public int version() {
    return version;
  }

  /**
   * Moves to the next record. A segment's bytes must be read from {@link #segmentBytes} (or
   * skipped) before the next call.
   */
  public Kind next() throws IOException {
    if (expansion != null) {
      Kind k = expanded();
      if (k != null) {
        return k;
      }
    }
    segment = split;
    int op;
    try {
      op = split.readByte();
      switch (op) {
        case TarSplitWriter.SEGMENT -> {
          size = nonNegative(split.readInt());
          return Kind.SEGMENT;
        }
        case TarSplitWriter.ZEROS -> {
          if (version != 3) {
            throw new CorruptDataException(
                where + ": its version " + version + " tar-split has a version 3 record", where);
          }
          size = nonNegative(split.readInt());
          segment = ZEROS;
          return Kind.SEGMENT;
        }
        case TarSplitWriter.CANONICAL -> {
          if (version != 2) {
            throw new CorruptDataException(
                where + ": its version " + version + " tar-split has a version 2 record", where);
          }
          startExpansion();
          return next();
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

  private void startExpansion() throws IOException {
    int writer = split.readUnsignedByte();
    byte[] user = new byte[split.readUnsignedShort()];
    split.readFully(user);
    expectedTarSize = nonNegative(split.readLong());
    expectedFiles = (int) nonNegative(split.readInt());
    if (writer != CanonicalSplit.WRITER) {
      throw new CorruptDataException(
          where + ": its tar-split names tar writer " + writer + ", which this release lacks",
          where);
    }
    if (tree == null) {
      throw new InvalidArgumentException(
          where + ": its tar-split regenerates the tar from the layer's tree, which is not here");
    }
    expansion = new CanonicalSplit.Expansion(tree, new String(user, StandardCharsets.UTF_8));
  }

  /** The next record of the expansion, or null once it is over (and checked). */
  private Kind expanded() throws IOException {
    CanonicalSplit.Piece p = expansion.next();
    if (p instanceof CanonicalSplit.Segment s) {
      size = s.bytes().length;
      segment = new ByteArrayInputStream(s.bytes());
      return Kind.SEGMENT;
    }
    if (p instanceof CanonicalSplit.File f) {
      segment = split;
      offset = 0;
      size = f.size();
      path = f.path();
      fileNumber++;
      return Kind.FILE;
    }
    if (expansion.tarSize() != expectedTarSize || expansion.files() != expectedFiles) {
      throw new CorruptDataException(
          where
              + ": its tree regenerates a tar of "
              + expansion.tarSize()
              + " bytes and "
              + expansion.files()
              + " files, its tar-split says "
              + expectedTarSize
              + " and "
              + expectedFiles,
          where);
    }
    expansion = null;
    return null;
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
    return segment;
  }

  @Override
  public void close() throws IOException {
    split.close();
  }
}

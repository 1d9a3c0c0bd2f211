package io.strata.store.fs;

import io.strata.store.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A regular file's data items and the chunk store, as a {@link FileLayout} sees them. Item keys are
 * unsigned 64-bit numbers the layout chooses (a byte offset, a record number); values are the
 * layout's own encoding and at most 1 KiB.
 */
public interface FileData {
  /** The file's inode number. */
  long ino();

  /** The file's size. */
  long size();

  /** The data item at {@code key}, or null. */
  byte[] item(long key);

  /** The data items with {@code from <= key < to}, in key order. */
  List<Item> items(long from, long to);

  /**
   * The data items with {@code from <= key < to}, in key order, read as they are iterated: for a
   * walk over a large file's items that must not hold them all.
   */
  default Iterable<Item> scan(long from, long to) {
    return items(from, to);
  }

  /** Sets a data item. */
  void putItem(long key, byte[] value);

  /** Removes a data item. */
  void deleteItem(long key);

  /** Stores {@code len} bytes as one chunk (deduplicated); returns its digest. */
  Digest putChunk(byte[] b, int off, int len) throws IOException;

  /** Stores one chunk with the given codec if it is new (null: the store's); returns its digest. */
  Digest putChunk(byte[] b, int off, int len, io.strata.store.compress.Compression compression)
      throws IOException;

  /** The chunk sizes {@link #putStream} cuts with, for a layout that cuts content itself. */
  io.strata.store.chunk.ChunkerParams chunkerParams();

  /** Cuts {@code in} into content-defined chunks and stores them; returns them in order. */
  List<Piece> putStream(InputStream in) throws IOException;

  /** Reads chunk {@code d} whole into {@code dst}; returns its length. */
  int readChunk(Digest d, byte[] dst) throws IOException;

  /**
   * One data item.
   *
   * @param key its key
   * @param value its value
   */
  record Item(long key, byte[] value) {}

  /**
   * One stored chunk of a stream.
   *
   * @param digest the chunk
   * @param length its length
   */
  record Piece(Digest digest, int length) {}
}

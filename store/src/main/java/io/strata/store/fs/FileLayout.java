package io.strata.store.fs;

import java.io.IOException;
import java.io.InputStream;

/**
 * How a driver lays a regular file's content out in the tree: byte-range extents over chunks
 * (btrfs), or fixed-size records (zfs). The file system calls it for every content operation; the
 * layout keeps its items under the file's DATA keys through {@link FileData} and never touches
 * inodes or directories.
 *
 * <p>Threads: {@link #read} is called by several threads at once (the file system's readers share
 * its read lock), so it must change no state of the layout's own; a chunk kept for the next read
 * belongs in the process's {@link LastChunk}s (lent to one reader at a time). {@link #write},
 * {@link #truncate} and {@link #replace} run one at a time, never beside a read (under the file
 * system's write lock), and may use fields.
 */
public interface FileLayout {
  /**
   * Writes {@code len} bytes at {@code offset}; the file's size is already extended to cover it.
   */
  void write(FileData file, long offset, byte[] b, int off, int len) throws IOException;

  /** Reads {@code len} bytes at {@code offset}, all within the file's size; holes read as zeros. */
  void read(FileData file, long offset, byte[] dst, int off, int len) throws IOException;

  /** Drops or trims what lies past {@code newSize}; the file system then records the size. */
  void truncate(FileData file, long newSize) throws IOException;

  /**
   * Replaces the whole content with what {@code in} yields, streamed; returns the new size. The
   * file has no data items when this is called.
   */
  long replace(FileData file, InputStream in) throws IOException;

  /**
   * Called before a file grows past its size ({@code file.size()}, not yet extended): by a truncate
   * to {@code newSize} ({@code writeOffset} -1), or by a write at {@code writeOffset} ending at
   * {@code newSize}. Nothing by default; Btrfs rewrites the block holding the old end.
   */
  default void growing(FileData file, long newSize, long writeOffset) throws IOException {}

  /**
   * Called before a change that adds to the file system without storing content through this
   * layout: a directory, a node, a symlink or hard link, a rename, new attributes or an extended
   * attribute. Not before removals and truncations, which ZFS lets through even over a quota, nor
   * before writes, whose records the layout admits itself. Throws to refuse the change (a dataset
   * at its quota); nothing by default.
   */
  default void admitMetadataChange() {}

  /**
   * When reads change a file's access time in the file system this layout models; asked at every
   * read of a writable snapshot, so it may change at any time. {@link AccessTimes#NEVER} by
   * default.
   */
  default AccessTimes accessTimes() {
    return AccessTimes.NEVER;
  }

  /**
   * The bytes of storage the file takes as the modelled file system counts them ({@code st_blocks}
   * * 512): less than its size where it has holes. By default the size (no holes known).
   */
  default long allocatedBytes(FileData file) {
    return file.size();
  }

  /**
   * {@code lseek(SEEK_DATA)}: the first offset at or after {@code offset} (below the size) that is
   * not in a hole, or -1 if none is. By default all of the file is data.
   */
  default long seekData(FileData file, long offset) {
    return offset < file.size() ? offset : -1;
  }

  /**
   * {@code lseek(SEEK_HOLE)}: the first offset at or after {@code offset} (below the size) that is
   * in a hole, the size counting as one. By default the size.
   */
  default long seekHole(FileData file, long offset) {
    return file.size();
  }

  /**
   * Whether {@link #finishIdleAppends} may have work: asked without the file system's lock, so a
   * hint. False by default.
   */
  default boolean hasUnfinishedAppends() {
    return false;
  }

  /**
   * Rewrites what appends left unfinished in files no append reached since the previous call (their
   * content unchanged), reaching files by inode number through {@code files} (null for one that is
   * no longer a regular file); returns whether it changed anything. Called periodically by a mount,
   * within a change. Nothing by default.
   */
  default boolean finishIdleAppends(java.util.function.LongFunction<FileData> files)
      throws IOException {
    return false;
  }

  /** How directories report their link count and size in the file system this layout models. */
  DirectoryCounts directories();

  /**
   * The bytes of file content a DATA item {@code value} stands for (an extent's length, a record's
   * length), or -1 for an item that holds no content (a record layout's dnode): what a changed item
   * adds to a snapshot's written bytes.
   */
  long dataBytes(byte[] value);
}

package io.strata.store.fs;

import java.io.IOException;
import java.io.InputStream;

/**
 * The file model's content: reads and writes of regular files' bytes, through the driver's {@link
 * FileLayout}, which keeps them as DATA items of the file. The file's size is its inode's, which
 * the caller keeps: a write's range is already inside it, and a read is cut to it here.
 *
 * <p>A large file's allocated bytes are kept once stat asked for them ({@link
 * AllocatedBytesCache}), so that stat costs the same whatever the file's size; every change of a
 * file's content goes through here and forgets them first.
 *
 * <p>{@link #read} and {@link #allocatedBytes} run under {@link TreeFileSystem}'s read lock, on
 * several threads at once (so the layout's {@code read} must keep no state of its own); the rest
 * within a change, under its write lock.
 */
final class FileContents {
  /**
   * The size from which a file's allocated bytes are kept: below it a layout finds them in at most
   * a few dozen items, a small part of a stat, and such files would only push large ones out.
   */
  static final long KEPT_FROM = 1 << 20;

  private final DurableTree tree;
  private final FileLayout layout;
  private final AllocatedBytesCache allocated = new AllocatedBytesCache();

  FileContents(DurableTree tree, FileLayout layout) {
    this.tree = tree;
    this.layout = layout;
  }

  /** Reads up to {@code len} bytes at {@code offset} of file {@code ino}; -1 at its end. */
  int read(long ino, Inode in, long offset, byte[] dst, int off, int len) throws IOException {
    if (offset >= in.size()) {
      return len == 0 ? 0 : -1;
    }
    int n = (int) Math.min(len, in.size() - offset);
    layout.read(new TreeFileData(tree, ino, in), offset, dst, off, n);
    return n;
  }

  /** The storage file {@code ino} takes, holes left out ({@link FileLayout#allocatedBytes}). */
  long allocatedBytes(long ino, Inode in) {
    if (in.size() < KEPT_FROM) {
      return layout.allocatedBytes(new TreeFileData(tree, ino, in));
    }
    long rewinds = tree.rewinds();
    long bytes = allocated.get(ino, rewinds);
    if (bytes < 0) {
      bytes = layout.allocatedBytes(new TreeFileData(tree, ino, in));
      allocated.put(ino, rewinds, bytes);
    }
    return bytes;
  }

  /**
   * {@code lseek} of file {@code ino} to the next data ({@code hole} false) or hole at or after
   * {@code offset}; -1 when there is none (past the end, or only a hole left for data).
   */
  long seek(long ino, Inode in, long offset, boolean hole) {
    if (offset >= in.size()) {
      return -1;
    }
    TreeFileData file = new TreeFileData(tree, ino, in);
    return hole ? layout.seekHole(file, offset) : layout.seekData(file, offset);
  }

  /** Writes {@code len} bytes at {@code offset}; {@code grown}'s size already covers them. */
  void write(long ino, Inode grown, long offset, byte[] b, int off, int len) throws IOException {
    allocated.forget(ino); // even when empty: it may have grown the file
    if (len > 0) {
      layout.write(new TreeFileData(tree, ino, grown), offset, b, off, len);
    }
  }

  /**
   * Drops what lies past {@code size}, when that is less than the file holds; tells the layout when
   * it is more.
   */
  void truncate(long ino, Inode in, long size) throws IOException {
    allocated.forget(ino);
    if (size < in.size()) {
      layout.truncate(new TreeFileData(tree, ino, in), size);
    } else if (size > in.size()) {
      layout.growing(new TreeFileData(tree, ino, in), size, -1);
    }
  }

  /** Tells the layout that a write at {@code offset} makes file {@code in} {@code newSize} long. */
  void growing(long ino, Inode in, long newSize, long offset) throws IOException {
    allocated.forget(ino);
    if (newSize > in.size()) {
      layout.growing(new TreeFileData(tree, ino, in), newSize, offset);
    }
  }

  /** Whether the layout may have appends to finish ({@link FileLayout#hasUnfinishedAppends}). */
  boolean hasUnfinishedAppends() {
    return layout.hasUnfinishedAppends();
  }

  /**
   * Has the layout finish idle appends ({@link FileLayout#finishIdleAppends}), reaching a file's
   * inode through {@code regular} (null: no longer a regular file).
   */
  boolean finishIdleAppends(java.util.function.LongFunction<Inode> regular) throws IOException {
    return layout.finishIdleAppends(
        ino -> {
          Inode in = regular.apply(ino);
          if (in == null) {
            return null;
          }
          allocated.forget(ino);
          return new TreeFileData(tree, ino, in);
        });
  }

  /** Fills the file, which holds nothing, with the whole of {@code content}; its new size. */
  long replace(long ino, Inode in, InputStream content) throws IOException {
    allocated.forget(ino);
    return layout.replace(new TreeFileData(tree, ino, in), content);
  }
}

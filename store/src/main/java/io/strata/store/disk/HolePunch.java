package io.strata.store.disk;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * Gives back the disk blocks of byte ranges inside a file without moving anything else: Linux's
 * {@code fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)}, through jnr-ffi (the JDK has no
 * call for it). The ranges read as zeros afterwards and the file keeps its length, so every offset
 * outside them stays where it was. It needs no free space, which is why gc uses it on a disk too
 * full to copy a pack's live records out (docs/FORMAT.md, "Garbage collection").
 *
 * <p>ext4, xfs, btrfs and tmpfs support it; a file system that does not answers {@code EOPNOTSUPP},
 * and {@link #punch} says so by returning -1.
 */
public final class HolePunch {
  private static final int O_WRONLY = 1;
  private static final int O_CLOEXEC = 02000000;
  private static final int FALLOC_FL_KEEP_SIZE = 0x01;
  private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;

  /** The calls, as the C library declares them (LP64: {@code off_t} 64 bits). */
  public interface LibC {
    @SaveError
    int open(String path, int flags, int mode);

    int close(int fd);

    @SaveError
    int fallocate(int fd, int mode, long offset, long len);

    @SaveError
    long lseek(int fd, long offset, int whence);

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  /** A byte range {@code [from, to)} of a file. */
  public record Range(long from, long to) {}

  private HolePunch() {}

  /**
   * Punches {@code ranges} out of {@code file}; returns the bytes of whole blocks of {@code
   * blockSize} inside them (what the disk gets back: the partial blocks at their ends are zeroed,
   * not freed), or -1 if the file system cannot punch holes.
   */
  public static long punch(Path file, List<Range> ranges, int blockSize) throws IOException {
    LibC c = libcFor(file);
    if (c == null) {
      return -1;
    }
    int fd = c.open(file.toString(), O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(file + ": cannot open it to give space back: " + error(c));
    }
    try {
      long freed = 0;
      for (Range r : ranges) {
        if (r.to() <= r.from()) {
          continue;
        }
        if (c.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, r.from(), r.to() - r.from())
            != 0) {
          int errno = LastError.getLastError(Runtime.getRuntime(c));
          if (errno == EOPNOTSUPP || errno == ENOSYS) {
            return freed == 0 ? -1 : freed;
          }
          throw new IOException(
              file + ": giving back bytes " + r.from() + "-" + r.to() + " failed: " + error(c));
        }
        long first = (r.from() + blockSize - 1) / blockSize * blockSize;
        long last = r.to() / blockSize * blockSize;
        freed += Math.max(0, last - first);
      }
      return freed;
    } finally {
      c.close(fd);
    }
  }

  private static final int O_RDONLY = 0;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;

  /**
   * The bytes of {@code file} in holes (blocks given back, read as zeros), found with {@code
   * lseek(SEEK_DATA / SEEK_HOLE)}: what its length counts that the disk does not hold, so that a
   * pack gc retires or rewrites frees its length less these (holes punched earlier were counted
   * then). 0 when the file system cannot say, or for a file that is not the operating system's.
   */
  public static long holeBytes(Path file) throws IOException {
    LibC c = libcFor(file);
    if (c == null) {
      return 0;
    }
    int fd = c.open(file.toString(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(file + ": cannot open it to measure its holes: " + error(c));
    }
    try {
      long size = c.lseek(fd, 0, 2); // SEEK_END
      long holes = 0;
      long pos = 0;
      while (pos < size) {
        long data = c.lseek(fd, pos, SEEK_DATA);
        if (data < 0) {
          int errno = LastError.getLastError(Runtime.getRuntime(c));
          if (errno == ENXIO) {
            holes += size - pos; // nothing but a hole to the end
          }
          break; // EINVAL: the file system cannot say; count what was found
        }
        holes += data - pos;
        long hole = c.lseek(fd, data, SEEK_HOLE);
        if (hole < 0) {
          break;
        }
        pos = hole;
      }
      return holes;
    } finally {
      c.close(fd);
    }
  }

  private static final int ENXIO = 6;

  /**
   * The C library for calls on {@code file}; null for a file that is not the operating system's (a
   * test's simulated disk) or when the library cannot be loaded: as a file system without holes.
   */
  private static LibC libcFor(Path file) {
    if (file.getFileSystem() != FileSystems.getDefault()) {
      return null;
    }
    try {
      return Holder.LIBC;
    } catch (LinkageError e) {
      return null;
    }
  }

  private static String error(LibC c) {
    return c.strerror(LastError.getLastError(Runtime.getRuntime(c)));
  }
}

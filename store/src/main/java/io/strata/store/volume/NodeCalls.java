package io.strata.store.volume;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/**
 * The C library's {@code mknodat}, {@code fchownat}, {@code fchmodat} and {@code utimensat}, called
 * on a descriptor of the directory that holds a device node or FIFO, with {@code
 * AT_SYMLINK_NOFOLLOW}. The JDK has no {@code mknod}, and its owner, mode and time setters open the
 * file first: opening a FIFO blocks until a writer comes, and opening a device runs its driver. So
 * a node in a host directory is made and changed through its parent, never opened.
 *
 * <p>The directory descriptor is opened by path ({@code O_PATH}), then checked to be the very
 * directory the caller holds open (same device and inode through {@code /proc/self/fd}): a
 * directory swapped for a symlink in between is refused rather than followed.
 */
final class NodeCalls {
  private static final int O_PATH = 010000000; // the same on x86_64 and arm64
  private static final int O_CLOEXEC = 02000000;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int EEXIST = 17;
  private static final int EPERM = 1;

  /** The calls, as the C library declares them (LP64: {@code dev_t} and {@code time_t} 64 bits). */
  public interface LibC {
    @SaveError
    int open(String path, int flags, int mode);

    int close(int fd);

    @SaveError
    int mknodat(int dirfd, String name, int mode, long dev);

    @SaveError
    int fchownat(int dirfd, String name, int uid, int gid, int flags);

    @SaveError
    int fchmodat(int dirfd, String name, int mode, int flags);

    /** {@code times}: atime seconds, nanoseconds, then mtime seconds, nanoseconds. */
    @SaveError
    int utimensat(int dirfd, String name, @In long[] times, int flags);

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private NodeCalls() {}

  /**
   * A descriptor of {@code dir} (the host path of the directory {@code held} is open on), checked
   * to be that directory; {@code what} names the entry in messages.
   */
  static Dir open(Path dir, SecureDirectoryStream<Path> held, String what) throws IOException {
    LibC c = libc(what);
    int fd = c.open(dir.toString(), O_PATH | O_CLOEXEC, 0);
    if (fd < 0) {
      throw failure(c, what, "opening its directory");
    }
    Dir d = new Dir(c, fd, what);
    try {
      Object opened =
          Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
      Object expected =
          held.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
      if (opened == null || !opened.equals(expected)) {
        throw new ConflictException(what + ": its directory changed while it was walked");
      }
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  private static LibC libc(String what) {
    try {
      return Holder.LIBC;
    } catch (LinkageError e) {
      throw new ConflictException(
          what + ": device nodes and FIFOs need the C library, which could not be loaded", e);
    }
  }

  /** The typed error for the last failed call; an errno that is not about the entry is thrown. */
  private static RuntimeException failure(LibC c, String what, String doing) throws IOException {
    int errno = LastError.getLastError(Runtime.getRuntime(c));
    if (errno == EEXIST) {
      return new AlreadyExistsException(what + " exists already");
    }
    if (errno == EPERM) {
      return new ConflictException(
          what + ": " + doing + " was not permitted on the host (device nodes need CAP_MKNOD)");
    }
    throw new IOException(what + ": " + doing + " failed: " + c.strerror(errno));
  }

  /** An open directory descriptor; its calls act on one name in it, never following a symlink. */
  static final class Dir implements AutoCloseable {
    private final LibC c;
    private final int fd;
    private final String what;

    private Dir(LibC c, int fd, String what) {
      this.c = c;
      this.fd = fd;
      this.what = what;
    }

    void mknod(String name, int mode, long rdev) throws IOException {
      if (c.mknodat(fd, name, mode, rdev) != 0) {
        throw failure(c, what, "mknod");
      }
    }

    void chown(String name, int uid, int gid) throws IOException {
      if (c.fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        throw failure(c, what, "chown");
      }
    }

    void chmod(String name, int mode) throws IOException {
      if (c.fchmodat(fd, name, mode & 07777, AT_SYMLINK_NOFOLLOW) != 0) {
        throw failure(c, what, "chmod");
      }
    }

    void setTimes(String name, long mtimeNanos, long atimeNanos) throws IOException {
      long[] times = {
        Math.floorDiv(atimeNanos, 1_000_000_000L),
        Math.floorMod(atimeNanos, 1_000_000_000L),
        Math.floorDiv(mtimeNanos, 1_000_000_000L),
        Math.floorMod(mtimeNanos, 1_000_000_000L)
      };
      if (c.utimensat(fd, name, times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw failure(c, what, "setting its times");
      }
    }

    @Override
    public void close() {
      c.close(fd);
    }
  }
}

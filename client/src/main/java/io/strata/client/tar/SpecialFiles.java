package io.strata.client.tar;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * FIFOs and device nodes that {@code strata cp} copies out of a container, made on this host
 * through the C library: the JDK has no {@code mknod}, and it sets a file's mode and times by
 * opening it, which blocks on a FIFO until a writer comes and runs a device's driver. So a node is
 * made, given its mode and its mtime by name, never opened. A FIFO needs no privilege; a device
 * node needs root (CAP_MKNOD), and without it the copy fails naming the entry, as {@code tar -x}
 * does. Loaded only when a tar holds such an entry: the client's start does not pay for the FFI.
 */
final class SpecialFiles {
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int EPERM = 1;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;

  /** The calls, as the C library declares them (LP64: {@code dev_t}, {@code time_t} 64 bits). */
  public interface LibC {
    @SaveError
    int mknodat(int dirfd, String path, int mode, long dev);

    @SaveError
    int fchmodat(int dirfd, String path, int mode, int flags);

    /** {@code times}: atime seconds, nanoseconds, then mtime seconds, nanoseconds. */
    @SaveError
    int utimensat(int dirfd, String path, @In long[] times, int flags);

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private SpecialFiles() {}

  /** Whether {@code e} is an entry {@link #make} makes. */
  static boolean isSpecial(TarArchiveEntry e) {
    return e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice();
  }

  /** Makes the FIFO or device node {@code e} at {@code target}, which does not exist. */
  static void make(Path target, TarArchiveEntry e, String what) throws IOException {
    LibC c;
    try {
      c = Holder.LIBC;
    } catch (LinkageError err) {
      throw new IOException(
          what
              + ": entry "
              + e.getName()
              + " is a FIFO or device node, and the C library to make"
              + " it could not be loaded: "
              + err);
    }
    int type = e.isFIFO() ? S_IFIFO : e.isCharacterDevice() ? S_IFCHR : S_IFBLK;
    long dev = e.isFIFO() ? 0 : makedev(e.getDevMajor(), e.getDevMinor());
    String path = target.toString();
    int perms = e.getMode() & 07777;
    if (c.mknodat(AT_FDCWD, path, type | (perms & 0777), dev) != 0) {
      int errno = LastError.getLastError(Runtime.getRuntime(c));
      throw new IOException(
          what
              + ": entry "
              + e.getName()
              + (errno == EPERM && type != S_IFIFO
                  ? " is a device node: only root (CAP_MKNOD) can make one here"
                  : ": mknod failed: " + c.strerror(errno)));
    }
    // mknod's mode went through the umask; the entry's bits are set exactly, as tar -x -p does
    check(c, c.fchmodat(AT_FDCWD, path, perms, 0), what, e, "chmod");
    long mtime = e.getLastModifiedTime().toMillis();
    long[] times = {
      mtime / 1000, (mtime % 1000) * 1_000_000, mtime / 1000, (mtime % 1000) * 1_000_000
    };
    check(c, c.utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), what, e, "setting its time");
  }

  private static void check(LibC c, int rc, String what, TarArchiveEntry e, String doing)
      throws IOException {
    if (rc != 0) {
      int errno = LastError.getLastError(Runtime.getRuntime(c));
      throw new IOException(
          what + ": entry " + e.getName() + ": " + doing + " failed: " + c.strerror(errno));
    }
  }

  /** glibc's {@code makedev}: the 64-bit {@code dev_t} of a major and a minor number. */
  static long makedev(int major, int minor) {
    long ma = major & 0xffffffffL;
    long mi = minor & 0xffffffffL;
    return ((ma & 0xfffff000L) << 32)
        | ((ma & 0xfffL) << 8)
        | ((mi & 0xffffff00L) << 12)
        | (mi & 0xffL);
  }
}

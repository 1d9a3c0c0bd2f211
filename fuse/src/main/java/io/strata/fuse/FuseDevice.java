package io.strata.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The C library calls a mount needs: {@code open} of {@code /dev/fuse}, {@code mount(2)} of the
 * kernel's {@code fuse} file system on that descriptor, {@code read} and {@code write} of requests
 * and replies, and {@code umount2} with {@code MNT_DETACH}. No libfuse: the kernel's protocol is
 * spoken in Java ({@link FuseSession}), which lets one kernel inode stand for one tree inode.
 */
final class FuseDevice {
  static final Path DEV_FUSE = Path.of("/dev/fuse");

  private static final int O_RDWR = 2;
  private static final int O_RDONLY = 0;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_CLOEXEC = 02000000;
  static final long MS_RDONLY = 1;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  private static final int MNT_DETACH = 2;
  static final int EINTR = 4;
  static final int ENOENT = 2;
  static final int EAGAIN = 11;
  static final int ENODEV = 19;

  /** The calls, as the C library declares them (LP64). */
  public interface LibC {
    @SaveError
    int open(String path, int flags, int mode);

    int close(int fd);

    @SaveError
    int syncfs(int fd);

    @SaveError
    long read(int fd, Pointer buf, long count);

    @SaveError
    long write(int fd, Pointer buf, long count);

    @SaveError
    int mount(String source, String target, String type, long flags, String data);

    @SaveError
    int umount2(String target, int flags);

    int geteuid();

    String strerror(int errno);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private FuseDevice() {}

  static LibC libc() throws IOException {
    try {
      return Holder.LIBC;
    } catch (LinkageError e) {
      throw new IOException("FUSE is not available: the C library could not be loaded: " + e, e);
    }
  }

  static int lastError(LibC c) {
    return LastError.getLastError(Runtime.getRuntime(c));
  }

  /**
   * Checks that this process can mount: {@code /dev/fuse} exists and we are root (mount(2) of a
   * FUSE file system needs CAP_SYS_ADMIN; stratad runs as root for containerd anyway).
   */
  static void require() throws IOException {
    if (!Files.exists(DEV_FUSE)) {
      throw new IOException(
          "FUSE is not available: /dev/fuse is missing (load the fuse module; in a container, run"
              + " it with --device /dev/fuse and CAP_SYS_ADMIN)");
    }
    if (libc().geteuid() != 0) {
      throw new IOException(
          "FUSE mounts need root: stratad mounts /dev/fuse itself with mount(2) (run it as root,"
              + " as containerd needs anyway)");
    }
  }

  /** Opens {@code /dev/fuse}: a new, unmounted connection's descriptor. */
  /**
   * Has the kernel write back what it holds for the file system mounted at {@code dir} (dirty pages
   * of mmap writes, as {@code sync -f} does): they arrive as WRITE requests, answered by the
   * mount's own threads, before this returns.
   */
  static void syncfs(Path dir) throws IOException {
    LibC c = libc();
    int fd = c.open(dir.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException("syncfs " + dir + ": " + c.strerror(lastError(c)));
    }
    try {
      if (c.syncfs(fd) != 0) {
        throw new IOException("syncfs " + dir + ": " + c.strerror(lastError(c)));
      }
    } finally {
      c.close(fd);
    }
  }

  static int open() throws IOException {
    LibC c = libc();
    int fd = c.open(DEV_FUSE.toString(), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException("cannot open /dev/fuse: " + c.strerror(lastError(c)));
    }
    return fd;
  }

  /**
   * Mounts the connection on {@code fd} at {@code dir}: {@code nosuid,nodev} unless {@code
   * setuidAndDevices}, which a container's root file system needs (its setuid programs, file
   * capabilities and device nodes work as on overlayfs: docs/ADVERSARIAL.md, AJ1).
   */
  static void mount(
      int fd, Path dir, String fsName, boolean readOnly, boolean setuidAndDevices, int maxRead)
      throws IOException {
    LibC c = libc();
    String data =
        "fd="
            + fd
            + ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions,max_read="
            + maxRead;
    long flags = (setuidAndDevices ? 0 : MS_NOSUID | MS_NODEV) | (readOnly ? MS_RDONLY : 0);
    if (c.mount(fsName, dir.toString(), "fuse." + fsName, flags, data) != 0) {
      throw new IOException("mount at " + dir + " failed: " + c.strerror(lastError(c)));
    }
  }

  /** Detaches the mount at {@code dir} at once (the kernel ends it when its last file closes). */
  static void detach(Path dir) throws IOException {
    LibC c = libc();
    if (c.umount2(dir.toString(), MNT_DETACH) != 0) {
      throw new IOException("cannot unmount " + dir + ": " + c.strerror(lastError(c)));
    }
  }

  static void close(int fd) {
    try {
      libc().close(fd);
    } catch (IOException e) {
      // nothing to close with
    }
  }

  /** A pointer to a direct buffer's memory, for read and write. */
  static Pointer pointer(ByteBuffer direct) throws IOException {
    return Pointer.wrap(Runtime.getRuntime(libc()), direct);
  }
}

package io.strata.fuse;

import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Answers the kernel's FUSE calls from one {@link FileSystemView}. libfuse's high-level API hands
 * us paths, already resolved by the kernel one name at a time, so symlinks in the middle of a path
 * never reach the view. Every call returns 0, a count, or a negated error number: an exception
 * never crosses into native code.
 *
 * <p>Durability: on a writable mount the view holds changes in memory ({@link
 * FileSystemView#deferSync}) and {@link #sync} makes them durable as one group; that happens on
 * every {@code fsync}, every few seconds while something changed ({@link FuseMounts}), after {@link
 * PendingChanges#SYNC_BYTES} of writes, and at unmount. Changes that span several view calls
 * (create is write, chmod, chown and times) run whole under {@link PendingChanges}'s lock, so a
 * sync never sees half of one. Reads take no lock of ours: the view is thread-safe (TreeFileSystem
 * serializes on itself).
 */
final class SnapshotFs extends FuseStubFS {
  private static final System.Logger LOG = System.getLogger(SnapshotFs.class.getName());

  /** The largest read and write the kernel sends (the mount's max_read and max_write). */
  static final int MAX_IO = 128 << 10;

  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final int O_ACCMODE = 3;
  private static final int W_OK = 2;
  private static final int MAX_NAME = 255;
  private static final long NO_ID = 0xFFFFFFFFL;
  private static final byte[] EMPTY = new byte[0];

  private final FileSystemView view;
  private final boolean readOnly;
  private final Path spaceOf;
  private final String name;
  private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[MAX_IO]);
  private final ThreadLocal<ru.serce.jnrfuse.struct.FileStat> dirStats;
  private final PendingChanges pending;
  private final Xattrs xattrs;

  /**
   * @param view what is served
   * @param readOnly whether every change is refused with EROFS (also when the view allows it)
   * @param spaceOf a directory on the disk whose space statfs reports (the data root)
   * @param name the file system's name in the mount table
   */
  SnapshotFs(FileSystemView view, boolean readOnly, Path spaceOf, String name) {
    this.view = view;
    this.readOnly = readOnly || view.readOnly();
    this.spaceOf = spaceOf;
    this.name = name;
    this.pending = new PendingChanges(view, name);
    this.xattrs = new Xattrs(view);
    Runtime rt = Runtime.getSystemRuntime();
    this.dirStats = ThreadLocal.withInitial(() -> new ru.serce.jnrfuse.struct.FileStat(rt));
  }

  boolean readOnly() {
    return readOnly;
  }

  @Override
  protected String getFSName() {
    return name;
  }

  /**
   * Mounts at {@code mountPoint} and serves the kernel's calls (one thread) until the mount goes
   * away; libfuse's exit status. Calls libfuse directly rather than jnr-fuse's {@code mount}, which
   * adds a JVM shutdown hook per mount that would keep every view ever mounted reachable: {@link
   * FuseMounts} has one hook for all mounts.
   */
  int serve(Path mountPoint, List<String> options) {
    List<String> args = new java.util.ArrayList<>();
    args.add(name);
    args.add("-f"); // stay in this process, on this thread
    // One thread per mount. libfuse 2's multi-threaded loop starts a thread whenever none is idle
    // and ends threads once more than ten are idle, so readahead bursts churn threads, and each
    // new thread attaches to the JVM (a Thread object, its thread-locals): measured on a Debian
    // tree, tar of /usr took 2-3 s multi-threaded and 1.0-1.1 s single-threaded, a stat of every
    // file 1.0-2.4 s and 0.6-1.1 s. Writes already take one lock per mount; what a single thread
    // gives up is reads running beside a slow fsync of the same mount. Each container has a mount
    // of its own, so containers still run side by side.
    args.add("-s");
    args.add(mountPoint.toString());
    args.addAll(options);
    String[] argv = args.toArray(new String[0]);
    return libFuse.fuse_main_real(
        argv.length, argv, fuseOperations, jnr.ffi.Struct.size(fuseOperations), null);
  }

  // ---- durability ----

  /** Makes every change so far durable; throws, once, what a failed background sync lost. */
  void sync() throws IOException {
    pending.sync();
  }

  /** The periodic sync of {@link FuseMounts}. */
  void syncInBackground() {
    pending.syncInBackground();
  }

  private int change(String op, String path, int conflict, PendingChanges.Change c) {
    if (readOnly) {
      return -Errno.EROFS;
    }
    try {
      pending.run(c);
      return 0;
    } catch (Throwable t) {
      return -fail(op, path, t, conflict);
    }
  }

  private int fail(String op, String path, Throwable t, int conflict) {
    int errno = Errno.of(t, conflict);
    if (Errno.isFailure(errno)) {
      LOG.log(System.Logger.Level.WARNING, "{0} {1} on {2}: {3}", op, path, name, t.toString());
    } else {
      LOG.log(System.Logger.Level.DEBUG, "{0} {1} on {2}: {3}", op, path, name, t.toString());
    }
    return errno;
  }

  // ---- attributes and names ----

  @Override
  public int getattr(String path, ru.serce.jnrfuse.struct.FileStat st) {
    pending.settle();
    try {
      fill(st, view.stat(path));
      return 0;
    } catch (Throwable t) {
      return -fail("getattr", path, t, Errno.EIO);
    }
  }

  @Override
  public int fgetattr(String path, ru.serce.jnrfuse.struct.FileStat st, FuseFileInfo fi) {
    pending.settle();
    return getattr(path, st);
  }

  private static void fill(ru.serce.jnrfuse.struct.FileStat st, FileStat s) {
    st.st_mode.set(s.mode());
    st.st_ino.set(s.ino());
    st.st_nlink.set(s.nlink());
    st.st_uid.set(s.uid());
    st.st_gid.set(s.gid());
    st.st_size.set(s.size());
    st.st_rdev.set(s.rdev());
    st.st_blksize.set(MAX_IO);
    st.st_blocks.set((s.size() + 511) / 512);
    time(st.st_atim, s.atimeNanos());
    time(st.st_mtim, s.mtimeNanos());
    time(st.st_ctim, s.ctimeNanos());
  }

  private static void time(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public int access(String path, int mask) {
    pending.settle();
    try {
      view.stat(path);
      return readOnly && (mask & W_OK) != 0 ? -Errno.EROFS : 0;
    } catch (Throwable t) {
      return -fail("access", path, t, Errno.EIO);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    pending.settle();
    try {
      byte[] target = view.readlink(path).getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (Throwable t) {
      return -fail("readlink", path, t, Errno.EIO);
    }
  }

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    pending.settle();
    try {
      return view.stat(path).isDirectory() ? 0 : -Errno.ENOTDIR;
    } catch (Throwable t) {
      return -fail("opendir", path, t, Errno.EIO);
    }
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    pending.settle();
    try {
      List<DirEntry> entries = view.list(path);
      ru.serce.jnrfuse.struct.FileStat st = dirStats.get();
      filter.apply(buf, ".", null, 0);
      filter.apply(buf, "..", null, 0);
      for (DirEntry e : entries) {
        // The type and inode number, so that ls and find need no stat for them.
        st.st_mode.set(e.stat().mode());
        st.st_ino.set(e.stat().ino());
        if (filter.apply(buf, e.name(), st, 0) != 0) {
          break;
        }
      }
      return 0;
    } catch (Throwable t) {
      return -fail("readdir", path, t, Errno.ENOTDIR);
    }
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    pending.settle();
    return 0;
  }

  @Override
  public int statfs(String path, Statvfs st) {
    pending.settle();
    try {
      FileStore store = Files.getFileStore(spaceOf);
      long block = 4096;
      st.f_bsize.set(block);
      st.f_frsize.set(block);
      st.f_blocks.set(store.getTotalSpace() / block);
      st.f_bfree.set(store.getUnallocatedSpace() / block);
      st.f_bavail.set(store.getUsableSpace() / block);
      st.f_files.set(1L << 32);
      st.f_ffree.set(1L << 31);
      st.f_favail.set(1L << 31);
      st.f_namemax.set(MAX_NAME);
      return 0;
    } catch (Throwable t) {
      return -fail("statfs", path, t, Errno.EIO);
    }
  }

  // ---- creating and removing ----

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    pending.settle();
    int nameCheck = checkName(path);
    if (nameCheck != 0) {
      return nameCheck;
    }
    return change(
        "create",
        path,
        Errno.EPERM,
        () -> {
          view.write(path, 0, EMPTY, 0, 0);
          view.chmod(path, (int) mode & 07777);
          owner(path);
          FileStat s = view.stat(path);
          view.setTimes(path, s.ctimeNanos(), s.ctimeNanos());
        });
  }

  @Override
  public int mknod(String path, long mode, long rdev) {
    pending.settle();
    int type = (int) mode & FileStat.S_IFMT;
    if (type == FileStat.S_IFREG || type == 0) {
      return create(path, mode, null);
    }
    int nameCheck = checkName(path);
    if (nameCheck != 0) {
      return nameCheck;
    }
    // FIFOs, sockets and devices: only the node is stored. The kernel serves a FIFO's reads and
    // writes between the processes that open it, and opens a device through its own driver, so
    // neither ever reaches this file system. rdev arrives in the kernel's encoding, which is
    // glibc's for every Linux device number.
    return change(
        "mknod",
        path,
        Errno.EPERM,
        () -> {
          view.mknod(path, type | ((int) mode & 07777), rdev);
          owner(path);
        });
  }

  @Override
  public int mkdir(String path, long mode) {
    pending.settle();
    int nameCheck = checkName(path);
    if (nameCheck != 0) {
      return nameCheck;
    }
    return change(
        "mkdir",
        path,
        Errno.EPERM,
        () -> {
          view.mkdir(path, (int) mode & 07777);
          owner(path);
        });
  }

  @Override
  public int symlink(String target, String path) {
    pending.settle();
    int nameCheck = checkName(path);
    if (nameCheck != 0) {
      return nameCheck;
    }
    return change(
        "symlink",
        path,
        Errno.EPERM,
        () -> {
          view.symlink(target, path);
          owner(path);
        });
  }

  @Override
  public int link(String existing, String path) {
    pending.settle();
    int nameCheck = checkName(path);
    if (nameCheck != 0) {
      return nameCheck;
    }
    return change(
        "link",
        path,
        Errno.EXDEV,
        () -> {
          if (view.stat(existing).isDirectory()) {
            throw new Refusal(Errno.EPERM);
          }
          view.link(existing, path);
        });
  }

  @Override
  public int unlink(String path) {
    pending.settle();
    return change(
        "unlink",
        path,
        Errno.EPERM,
        () -> {
          if (view.stat(path).isDirectory()) {
            throw new Refusal(Errno.EISDIR);
          }
          view.remove(path, false);
        });
  }

  @Override
  public int rmdir(String path) {
    pending.settle();
    return change(
        "rmdir",
        path,
        Errno.ENOTEMPTY,
        () -> {
          if (!view.stat(path).isDirectory()) {
            throw new Refusal(Errno.ENOTDIR);
          }
          if (!view.list(path).isEmpty()) {
            throw new Refusal(Errno.ENOTEMPTY);
          }
          view.remove(path, false);
        });
  }

  @Override
  public int rename(String from, String to) {
    pending.settle();
    int nameCheck = checkName(to);
    if (nameCheck != 0) {
      return nameCheck;
    }
    return change(
        "rename",
        from,
        Errno.EXDEV,
        () -> {
          boolean dir = view.stat(from).isDirectory();
          if (view.exists(to)) {
            boolean targetDir = view.stat(to).isDirectory();
            if (dir && !targetDir) {
              throw new Refusal(Errno.ENOTDIR);
            }
            if (!dir && targetDir) {
              throw new Refusal(Errno.EISDIR);
            }
            if (targetDir && !view.list(to).isEmpty()) {
              throw new Refusal(Errno.ENOTEMPTY);
            }
          }
          view.rename(from, to);
        });
  }

  /** The creating process's owner on the new entry (the view creates as root). */
  private void owner(String path) throws IOException {
    FuseContext ctx = getContext();
    int uid = (int) ctx.uid.get();
    int gid = (int) ctx.gid.get();
    if (uid != 0 || gid != 0) {
      view.chown(path, uid, gid);
    }
  }

  private static int checkName(String path) {
    int slash = path.lastIndexOf('/');
    String last = path.substring(slash + 1);
    return last.getBytes(StandardCharsets.UTF_8).length > MAX_NAME ? -Errno.ENAMETOOLONG : 0;
  }

  // ---- attributes ----

  @Override
  public int chmod(String path, long mode) {
    pending.settle();
    return change("chmod", path, Errno.EPERM, () -> view.chmod(path, (int) mode & 07777));
  }

  @Override
  public int chown(String path, long uid, long gid) {
    pending.settle();
    return change(
        "chown",
        path,
        Errno.EPERM,
        () -> {
          FileStat s = view.stat(path);
          int u = (uid & NO_ID) == NO_ID ? s.uid() : (int) uid;
          int g = (gid & NO_ID) == NO_ID ? s.gid() : (int) gid;
          view.chown(path, u, g);
        });
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    pending.settle();
    return change(
        "utimens",
        path,
        Errno.EPERM,
        () -> {
          FileStat s = view.stat(path);
          long now = nowNanos();
          long atime = nanos(timespec[0], s.atimeNanos(), now);
          long mtime = nanos(timespec[1], s.mtimeNanos(), now);
          view.setTimes(path, mtime, atime);
        });
  }

  private static long nanos(Timespec t, long current, long now) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return current;
    }
    if (nsec == UTIME_NOW) {
      return now;
    }
    return t.tv_sec.get() * 1_000_000_000L + nsec;
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public int truncate(String path, @off_t long size) {
    pending.settle();
    return change(
        "truncate",
        path,
        Errno.EPERM,
        () -> {
          if (view.stat(path).isDirectory()) {
            throw new Refusal(Errno.EISDIR);
          }
          view.truncate(path, size);
        });
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    pending.settle();
    return truncate(path, size);
  }

  // ---- content ----

  @Override
  public int open(String path, FuseFileInfo fi) {
    pending.settle();
    try {
      FileStat s = view.stat(path);
      if (s.isDirectory()) {
        return -Errno.EISDIR;
      }
      if (readOnly && (fi.flags.get() & O_ACCMODE) != 0) {
        return -Errno.EROFS;
      }
      return 0;
    } catch (Throwable t) {
      return -fail("open", path, t, Errno.EIO);
    }
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    pending.settle();
    try {
      byte[] b = buffers.get();
      int want = (int) Math.min(size, Integer.MAX_VALUE);
      int done = 0;
      while (done < want) {
        int n = view.read(path, offset + done, b, 0, Math.min(b.length, want - done));
        if (n <= 0) {
          break;
        }
        buf.put(done, b, 0, n);
        done += n;
      }
      return done;
    } catch (Throwable t) {
      return -fail("read", path, t, Errno.EIO);
    }
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    int len = (int) size;
    byte[] b = len <= MAX_IO ? buffers.get() : new byte[len];
    buf.get(0, b, 0, len);
    if (readOnly) {
      return -Errno.EROFS;
    }
    try {
      pending.write(path, offset, b, 0, len);
    } catch (Throwable t) {
      return -fail("write", path, t, Errno.EPERM);
    }
    pending.wrote(len);
    return len;
  }

  // No flush: libfuse answers ENOSYS for it, and the kernel, told so once, stops sending one on
  // every close, a round trip the closing process waits for. Held writes settle at the next call
  // of any kind, and a close could not report their failure anyway (fsync does).

  @Override
  public int release(String path, FuseFileInfo fi) {
    pending.settle();
    return 0;
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    pending.settle();
    if (readOnly) {
      return 0;
    }
    try {
      sync();
      return 0;
    } catch (PendingChanges.LostChanges e) {
      return -fail("fsync", path, e.getCause(), Errno.EIO);
    } catch (Throwable t) {
      return -fail("fsync", path, t, Errno.EIO);
    }
  }

  @Override
  public int fsyncdir(String path, FuseFileInfo fi) {
    pending.settle();
    return fsync(path, 0, fi);
  }

  // ---- extended attributes ----

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    pending.settle();
    int refused = Xattrs.checkSet(name, size);
    if (refused != 0) {
      return -refused;
    }
    byte[] v = new byte[(int) size];
    value.get(0, v, 0, v.length);
    return change("setxattr", path, Errno.EPERM, () -> xattrs.set(path, name, v, flags));
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    // No settle: the kernel asks for security.capability before every write (to drop file
    // capabilities), and extended attributes do not depend on the bytes held.
    try {
      return xattrs.get(path, name, value, size);
    } catch (Throwable t) {
      return -fail("getxattr", path, t, Errno.EIO);
    }
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    try {
      return xattrs.list(path, list, size);
    } catch (Throwable t) {
      return -fail("listxattr", path, t, Errno.EIO);
    }
  }

  @Override
  public int removexattr(String path, String name) {
    pending.settle();
    return change("removexattr", path, Errno.EPERM, () -> xattrs.remove(path, name));
  }
}

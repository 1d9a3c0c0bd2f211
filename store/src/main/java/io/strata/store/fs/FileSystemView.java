package io.strata.store.fs;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The files of one snapshot. Paths are absolute ({@code /a/b}), resolved inside the snapshot: a
 * path with {@code ..}, a NUL byte or a name over 255 bytes is refused with {@link
 * io.strata.store.error.InvalidArgumentException}; symlinks met on the way resolve as if the
 * snapshot's root were {@code /}, so no path can leave it. Operations that name a missing path
 * throw {@link io.strata.store.error.NotFoundException}; that change a read-only snapshot, or
 * contradict what exists (a non-empty directory, an existing name), throw {@link
 * io.strata.store.error.ConflictException}.
 *
 * <p>Every change is durable when the call returns, unless {@link #deferSync} is on; then {@link
 * #sync} makes everything since durable at once (what a layer import does).
 */
public interface FileSystemView {
  /**
   * The largest file a snapshot holds, and the furthest a write may end (4 EiB): past it the
   * drivers' extent arithmetic (an end rounded up to a record) would overflow a long. A write or
   * truncation beyond it is refused, as the kernel answers {@code EFBIG}.
   */
  long MAX_FILE_SIZE = 1L << 62;

  /** Whether changes are refused (a committed snapshot or a view). */
  boolean readOnly();

  /** The entry at {@code path}, a final symlink not followed. */
  FileStat stat(String path) throws IOException;

  /** Whether something exists at {@code path} (a final symlink not followed). */
  boolean exists(String path) throws IOException;

  /** The entries of directory {@code path}, sorted by name. */
  List<DirEntry> list(String path) throws IOException;

  /**
   * {@code lseek(SEEK_DATA)} ({@code hole} false) or {@code SEEK_HOLE} in regular file {@code
   * path}: the first offset at or after {@code offset} that is data, or in a hole (the end counting
   * as one); -1 when there is none ({@code ENXIO}). By default the file is all data.
   */
  default long seek(String path, long offset, boolean hole) throws IOException {
    long size = stat(path).size();
    if (offset >= size) {
      return -1;
    }
    return hole ? size : offset;
  }

  /** Reads up to {@code len} bytes at {@code offset} of a regular file; -1 at its end. */
  int read(String path, long offset, byte[] dst, int off, int len) throws IOException;

  /** The content of a regular file, streamed. */
  InputStream open(String path) throws IOException;

  /** A symlink's target. */
  String readlink(String path) throws IOException;

  /**
   * Writes {@code len} bytes at {@code offset}, creating the file (mode 0644) if missing. Only the
   * touched range is stored anew: the driver's granularity decides how much around it.
   */
  void write(String path, long offset, byte[] b, int off, int len) throws IOException;

  /**
   * Creates or replaces a regular file with the whole content of {@code in}, streamed and
   * deduplicated, with the given mode, owner and modification time.
   */
  void writeFile(String path, InputStream in, int mode, int uid, int gid, long mtimeNanos)
      throws IOException;

  /**
   * Replaces the content of the regular file at {@code path} with the whole of {@code in}, streamed
   * and deduplicated, keeping the inode, as open(2) with {@code O_TRUNC} and a write do: mode,
   * owner, xattrs and link count stay, and every hard link of the file sees the new content (where
   * {@link #writeFile}, like tar, puts a new file at the path). A final symlink is followed; the
   * modification time becomes {@code mtimeNanos}. Creates a file of mode 0644 owned by 0:0 if the
   * path is missing. Nothing changes if {@code in} fails.
   */
  void overwrite(String path, InputStream in, long mtimeNanos) throws IOException;

  /** Sets a regular file's length, cutting or extending with zeros. */
  void truncate(String path, long size) throws IOException;

  /** Creates a directory; its parent must exist. */
  void mkdir(String path, int mode) throws IOException;

  /** Creates a directory and any missing parents; no error if it exists as a directory. */
  void mkdirs(String path, int mode) throws IOException;

  /** Removes a file, link or empty directory; {@code recursive} removes a tree. */
  void remove(String path, boolean recursive) throws IOException;

  /** Renames, replacing a file or empty directory at the target, as rename(2). */
  void rename(String from, String to) throws IOException;

  /**
   * Creates a node that is neither a directory nor a symlink, as mknod(2): {@code mode}'s type bits
   * say which ({@link FileStat#S_IFIFO}, {@link FileStat#S_IFCHR}, {@link FileStat#S_IFBLK}, {@link
   * FileStat#S_IFSOCK}, or {@link FileStat#S_IFREG} or 0 for an empty regular file), its low 12
   * bits the permissions; {@code rdev} is a device's number ({@link FileStat#makedev}), ignored for
   * other types. The node is owned by 0:0 with the current time, like {@link #mkdir}. Only the node
   * is kept: a FIFO's or socket's I/O is the kernel's, between the processes that open it. Throws
   * {@link io.strata.store.error.AlreadyExistsException} if the path exists, {@link
   * io.strata.store.error.InvalidArgumentException} for another type, and {@link
   * io.strata.store.error.ConflictException} where the view cannot keep that type.
   */
  void mknod(String path, int mode, long rdev) throws IOException;

  /** Creates a symlink at {@code path} pointing to {@code target} (stored as given). */
  void symlink(String target, String path) throws IOException;

  /** Creates a hard link at {@code path} to the file (not a directory) at {@code existing}. */
  void link(String existing, String path) throws IOException;

  /** Sets the permission bits. */
  void chmod(String path, int mode) throws IOException;

  /** Sets the owner. */
  void chown(String path, int uid, int gid) throws IOException;

  /** Sets modification and access times (nanoseconds since the epoch). */
  void setTimes(String path, long mtimeNanos, long atimeNanos) throws IOException;

  /**
   * Every path of the file at {@code path} (a final symlink not followed): its other names too when
   * it is hard-linked, where the view can tell them (a snapshot's tree can, from back-references);
   * else the path alone.
   */
  default List<String> linksOf(String path) throws IOException {
    return List.of(path);
  }

  /**
   * Appends {@code len} bytes at the end {@code path}'s file has when the bytes land, as a write to
   * a descriptor opened with {@code O_APPEND}: for a file others change directly (a host file),
   * whose end a mount cannot know ahead. By default a write at the size {@link #stat} gives.
   */
  default void append(String path, byte[] b, int off, int len) throws IOException {
    write(path, stat(path).size(), b, off, len);
  }

  /**
   * Rewrites, content unchanged, what appends left unfinished in files no append reached since the
   * previous call ({@link FileLayout#finishIdleAppends}: on btrfs, the last content-defined chunk
   * of a file appended to in pieces that each settled alone); returns whether it changed anything,
   * held for the next sync like any change. A writable mount calls it at its periodic sync. Nothing
   * by default.
   */
  default boolean finishIdleAppends() throws IOException {
    return false;
  }

  /**
   * Whether inode number {@code ino}, as this view's {@link #stat} gives it, names one file in the
   * whole view, whatever the name it is reached by: then a mount serves the file as one kernel
   * inode under all its names (hard links share cached sizes, and an O_APPEND through any name
   * lands at the file's end). False by default: numbers from several numbering spaces may collide.
   */
  default boolean inodeNamesOneFile(long ino) {
    return false;
  }

  /**
   * Whether a write to {@code path} (a final symlink followed) lands in a file of the host's (a
   * volume's or a bind mount's directory), which other containers and host processes read directly:
   * a mount must hand such writes on at once, never hold them (docs/MOUNTS.md, "Write-behind").
   * False by default: a snapshot's own tree, read only through its views.
   */
  default boolean sharedWithHost(String path) throws IOException {
    return false;
  }

  /**
   * Whether {@code path}'s file keeps extended attributes: false where {@link #setXattr} is refused
   * whatever the name (a host directory's files), for a copy that drops them as {@code docker cp}
   * does rather than fail.
   */
  default boolean keepsXattrs(String path) throws IOException {
    return true;
  }

  /** Sets an extended attribute. */
  void setXattr(String path, String name, byte[] value) throws IOException;

  /** An extended attribute's value, or null. */
  byte[] getXattr(String path, String name) throws IOException;

  /** The names of the extended attributes, sorted. */
  List<String> listXattrs(String path) throws IOException;

  /** Removes an extended attribute (no error if absent). */
  void removeXattr(String path, String name) throws IOException;

  /** Holds changes in memory until {@link #sync} (on) or makes each durable again (off). */
  void deferSync(boolean defer) throws IOException;

  /** Makes every change so far durable. */
  void sync() throws IOException;

  /**
   * Makes every change so far durable, as {@link #sync}, for an {@code fsync}: a view may write its
   * held changes to an intent log instead of committing them (a snapshot's tree: {@link
   * TreeFileSystem#syncLogged}), which a later {@link #sync} commits. By default {@link #sync}.
   */
  default void syncLogged() throws IOException {
    sync();
  }

  /**
   * Makes the changes so far to the file or directory at {@code path} durable, as {@code fsync} on
   * it does: what a host directory keeps to force ({@link #sharedWithHost}) is forced for that file
   * alone. By default everything, as {@link #sync}.
   */
  default void syncFile(String path) throws IOException {
    sync();
  }

  /**
   * Drops every change held since the last {@link #sync} (with {@link #deferSync} on), so that a
   * group of changes that failed half-way leaves nothing behind. Changes already durable stay.
   */
  void discard();
}

package io.strata.store.volume;

import io.strata.files.names.HostNames;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileNames;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.PathNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A directory on the server's host (a volume's {@code _data} or a bind-mount source) seen as a file
 * system whose root is that directory. No path can leave it: every path is walked component by
 * component from file descriptors held open on the directories already walked ({@link
 * SecureDirectoryStream}, that is {@code openat} with {@code O_NOFOLLOW}), so a directory swapped
 * for a symlink between a check and its use is refused rather than followed. {@code ..} is refused;
 * a symlink met on the way is resolved inside the directory if it is relative and stays inside, and
 * refused if it is absolute or climbs out.
 *
 * <p>Java offers no {@code mkdirat}, {@code symlinkat} or {@code linkat}: those three operations
 * act on the absolute path of a parent that was just walked and then check, through the held
 * descriptor, that what they made is where they meant it to be (same file key); if not, they
 * refuse. Changes through this class are serialized, so requests cannot race one another; only a
 * concurrent change on the host itself could hit that window (see docs/CONTAINERS.md).
 *
 * <p>A name or symlink target read from the directory that is not valid UTF-8 is refused, naming it
 * ({@link FileNames}), rather than listed with U+FFFD in place of its bad bytes, a name no call
 * could reach.
 *
 * <p>FIFOs and device nodes are made and changed through their directory's descriptor ({@link
 * NodeCalls}), never opened. Files here keep no extended attributes.
 *
 * <p>Changes are forced to disk before a call returns, unless the view defers them ({@link
 * #deferSync}, as a mount does): then the files and directories changed are kept open and forced by
 * the next {@link #sync}, the container's {@code fsync}, as on the host's own file system. The
 * bytes reach the host file at once either way: others reading it see them.
 */
public final class HostDirectory implements FileSystemView {
  private static final int MAX_SYMLINKS = 40;
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  /**
   * Held by every change to names (make, remove, rename, link) in any host directory, so that no
   * request can swap a directory while another makes an entry by absolute path in it.
   */
  private static final Object NAMESPACE = new Object();

  private final Path root;
  private final boolean readOnly;
  private final String what;
  private final UnforcedChannels unforced;
  private volatile boolean deferred;

  /**
   * The root, held open while changes are deferred (a mount's life, a request's group), so that a
   * walk starts from it rather than from {@code /} one component at a time (that walk was half of a
   * mount's 4 KiB write into a volume). Each use checks that the directory at the root's path is
   * still this one; one found replaced is retired, closed with the held one when deferral ends.
   */
  private SecureDirectoryStream<Path> heldRoot;

  private Object heldRootKey;
  private final List<SecureDirectoryStream<Path>> retiredRoots = new ArrayList<>();

  /**
   * The directory {@code root} (an absolute path without symlinks), read-only if {@code readOnly};
   * {@code what} names it in messages ({@code volume db}, {@code bind mount /srv/x}).
   */
  public HostDirectory(Path root, boolean readOnly, String what) {
    this(root, readOnly, what, ch -> ch.force(true));
  }

  /** As above; {@code force} makes a file or directory durable (a test records it). */
  HostDirectory(Path root, boolean readOnly, String what, UnforcedChannels.Force force) {
    this.unforced = new UnforcedChannels(force);
    if (!root.isAbsolute()) {
      throw new InvalidArgumentException(what + ": " + root + " is not an absolute path");
    }
    this.root = root.normalize();
    this.readOnly = readOnly;
    this.what = what;
  }

  /** What names it in messages ({@code volume db}, {@code bind mount /srv/x}). */
  public String what() {
    return what;
  }

  /** The directory on the host. */
  public Path root() {
    return root;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  // ---- resolution ----

  /**
   * A walked path: the descriptors of the directories from the root down to the entry's parent
   * (closed together), the entry's name in the last of them (null for the root itself), and the
   * absolute path that names it on the host.
   */
  private final class Walk implements AutoCloseable {
    final Deque<SecureDirectoryStream<Path>> dirs = new ArrayDeque<>();
    final Deque<String> names = new ArrayDeque<>();
    String name;

    /** The held root this walk starts from, left open by {@link #close}; null if its own. */
    SecureDirectoryStream<Path> borrowed;

    SecureDirectoryStream<Path> dir() {
      return dirs.peekLast();
    }

    Path name() {
      return Path.of(name);
    }

    Path hostPath() {
      Path p = dirHostPath();
      return name == null ? p : p.resolve(name);
    }

    /** The host path of the last directory walked, the one {@link #dir()} is open on. */
    Path dirHostPath() {
      Path p = root;
      for (String n : names) {
        p = p.resolve(n);
      }
      return p;
    }

    /** A descriptor of {@link #dir()} for the *at calls on a node (see {@link NodeCalls}). */
    NodeCalls.Dir nodeCalls(String path) throws IOException {
      return NodeCalls.open(dirHostPath(), dir(), what + ": " + path);
    }

    void descend(String n, String path) throws IOException {
      try {
        dirs.addLast(dir().newDirectoryStream(Path.of(n), NOFOLLOW));
      } catch (IOException e) {
        throw translate(e, path);
      }
      names.addLast(n);
    }

    void ascend(String path) throws IOException {
      if (names.isEmpty()) {
        throw new ConflictException(what + ": path " + path + " leaves the mount");
      }
      names.removeLast();
      dirs.removeLast().close();
    }

    @Override
    public void close() throws IOException {
      while (!dirs.isEmpty()) {
        SecureDirectoryStream<Path> d = dirs.removeLast();
        if (d != borrowed) {
          d.close();
        }
      }
    }
  }

  /** A walk at {@code root}: from the held root while changes are deferred, else from {@code /}. */
  private Walk openRoot() throws IOException {
    SecureDirectoryStream<Path> held = deferred ? heldRoot() : null;
    if (held == null) {
      return walkToRoot();
    }
    Walk w = new Walk();
    w.dirs.add(held);
    w.borrowed = held;
    return w;
  }

  /**
   * The held root, opened (or opened again, if the directory at the root's path is another one now)
   * as needed; null when the root cannot be held (missing or changing: the caller walks from {@code
   * /}, which says why).
   */
  private synchronized SecureDirectoryStream<Path> heldRoot() {
    try {
      Object now = Files.readAttributes(root, BasicFileAttributes.class, NOFOLLOW).fileKey();
      if (heldRoot != null && now.equals(heldRootKey)) {
        return heldRoot;
      }
      SecureDirectoryStream<Path> opened;
      try (Walk w = walkToRoot()) {
        opened = w.dirs.removeLast();
      }
      Object key =
          opened.getFileAttributeView(PosixFileAttributeView.class).readAttributes().fileKey();
      if (!key.equals(now)) {
        opened.close();
        return null;
      }
      if (heldRoot != null) {
        retiredRoots.add(heldRoot);
      }
      heldRoot = opened;
      heldRootKey = key;
      return opened;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Closes the held root and the retired ones: deferral ended, walks start from {@code /}. */
  private synchronized void closeHeldRoots() {
    if (heldRoot != null) {
      retiredRoots.add(heldRoot);
      heldRoot = null;
      heldRootKey = null;
    }
    for (SecureDirectoryStream<Path> d : retiredRoots) {
      try {
        d.close();
      } catch (IOException e) {
        // a directory opened for reading: nothing to report on close
      }
    }
    retiredRoots.clear();
  }

  /** Opens {@code root} from {@code /}, one component at a time, following no symlink. */
  private Walk walkToRoot() throws IOException {
    Walk w = new Walk();
    DirectoryStream<Path> top = Files.newDirectoryStream(root.getRoot());
    if (!(top instanceof SecureDirectoryStream<Path> secure)) {
      top.close();
      throw new IllegalStateException("this platform has no secure directory streams");
    }
    w.dirs.add(secure);
    try {
      for (Path c : root) {
        SecureDirectoryStream<Path> next = w.dir().newDirectoryStream(c, NOFOLLOW);
        w.dirs.removeLast().close();
        w.dirs.add(next);
      }
    } catch (IOException e) {
      w.close();
      throw new NotFoundException(what + ": directory " + root + " is missing or moved", e);
    }
    return w;
  }

  /**
   * Walks {@code path}; its last component is followed too if {@code followLast} and it is a
   * symlink. The caller closes the result.
   */
  private Walk walk(String path, boolean followLast) throws IOException {
    Deque<String> todo = new ArrayDeque<>(PathNames.split(path));
    Walk w = openRoot();
    try {
      int links = 0;
      while (!todo.isEmpty()) {
        String n = todo.removeFirst();
        String why = FileNames.HOST.makeProblem(n);
        if (why != null) {
          throw new ConflictException(what + ": " + path + ": the name " + n + " " + why);
        }
        if (n.equals("..")) { // only from a symlink's target
          if (w.names.isEmpty()) {
            List<String> left = new ArrayList<>(todo);
            left.add(0, "..");
            throw new LinkLeavesMount(
                what + ": path " + path + " leaves the mount", this, path, false, left);
          }
          w.ascend(path);
          continue;
        }
        boolean last = todo.isEmpty();
        PosixFileAttributes a = lstat(w.dir(), n);
        if (a != null && a.isSymbolicLink() && (!last || followLast)) {
          if (++links > MAX_SYMLINKS) {
            throw new ConflictException(what + ": path " + path + " has too many symlinks");
          }
          List<String> parts = linkParts(w, n, path, todo);
          for (int i = parts.size() - 1; i >= 0; i--) {
            todo.addFirst(parts.get(i));
          }
          continue;
        }
        if (last) {
          w.name = n;
        } else if (a == null) {
          throw new NotFoundException(what + ": " + path + " not found");
        } else if (!a.isDirectory()) {
          throw new ConflictException(what + ": in " + path + ", " + n + " is not a directory");
        } else {
          w.descend(n, path);
        }
      }
      return w;
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
  }

  /**
   * The components of symlink {@code n}'s target; an absolute one leaves the directory ({@link
   * LinkLeavesMount}, with {@code todo}, the names after the link).
   */
  private List<String> linkParts(Walk w, String n, String path, Deque<String> todo)
      throws IOException {
    String target;
    try {
      target = linkTarget(w.hostPath().resolve(n), path);
    } catch (NotLinkException | NoSuchFileException e) {
      throw new ConflictException(what + ": " + path + " changed while it was walked", e);
    }
    List<String> parts = new ArrayList<>();
    for (String p : target.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    if (target.startsWith("/")) {
      parts.addAll(todo);
      throw new LinkLeavesMount(
          what + ": path " + path + " meets symlink " + n + " -> " + target + ", which leaves it",
          this,
          path,
          true,
          parts);
    }
    return parts;
  }

  /**
   * The target of the symlink at host path {@code link} ({@code path} here), refused if it is not
   * valid UTF-8 ({@link FileNames}): its string would have U+FFFD for each bad byte.
   */
  private String linkTarget(Path link, String path) throws IOException {
    Path target = Files.readSymbolicLink(link);
    String why = FileNames.HOST.problem(target);
    if (why != null) {
      throw new ConflictException(
          what
              + ": file \""
              + path
              + "\": the link target \""
              + HostNames.shown(target)
              + "\" "
              + why);
    }
    return target.toString();
  }

  private static PosixFileAttributes lstat(SecureDirectoryStream<Path> dir, String name)
      throws IOException {
    try {
      return dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, NOFOLLOW)
          .readAttributes();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private PosixFileAttributes attributes(Walk w, String path) throws IOException {
    PosixFileAttributes a =
        w.name == null
            ? w.dir().getFileAttributeView(PosixFileAttributeView.class).readAttributes()
            : lstat(w.dir(), w.name);
    if (a == null) {
      throw new NotFoundException(what + ": " + path + " not found");
    }
    return a;
  }

  private void writable(String path) {
    if (readOnly) {
      throw new ConflictException(what + " is read-only: cannot change " + path);
    }
  }

  private Walk entry(String path, boolean followLast) throws IOException {
    Walk w = walk(path, followLast);
    if (w.name == null) {
      w.close();
      throw new ConflictException(what + ": " + path + " is the mount point itself");
    }
    return w;
  }

  // ---- queries ----

  @Override
  public FileStat stat(String path) throws IOException {
    try (Walk w = walk(path, false)) {
      return stat(w, path);
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  private FileStat stat(Walk w, String path) throws IOException {
    PosixFileAttributes a = attributes(w, path);
    Map<String, Object> u =
        Files.readAttributes(
            w.hostPath(), "unix:fileKey,ino,uid,gid,nlink,mode,ctime,rdev", NOFOLLOW);
    if (!a.fileKey().equals(u.get("fileKey"))) {
      throw new ConflictException(what + ": " + path + " changed while it was read");
    }
    String target = a.isSymbolicLink() ? linkTarget(w.hostPath(), path) : null;
    return new FileStat(
        (Long) u.get("ino"),
        (Integer) u.get("mode"),
        (Integer) u.get("uid"),
        (Integer) u.get("gid"),
        (Integer) u.get("nlink"),
        a.size(),
        a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
        a.lastAccessTime().to(TimeUnit.NANOSECONDS),
        ((FileTime) u.get("ctime")).to(TimeUnit.NANOSECONDS),
        target,
        (Long) u.get("rdev"));
  }

  /**
   * Throws {@link NotFoundException} if nothing is at {@code path}: the cheap check of the calls on
   * extended attributes, which the kernel makes before every write through a mount.
   */
  private void present(String path) throws IOException {
    try (Walk w = walk(path, false)) {
      attributes(w, path);
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public boolean exists(String path) throws IOException {
    try (Walk w = walk(path, false)) {
      return w.name == null || lstat(w.dir(), w.name) != null;
    } catch (NotFoundException e) {
      return false;
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public List<DirEntry> list(String path) throws IOException {
    try (Walk w = walk(path, true)) {
      if (w.name != null) {
        w.descend(w.name, path);
        w.name = null;
      }
      List<String> names = new ArrayList<>();
      // A stream's entries can be read once: the held root is read through a stream of its own.
      SecureDirectoryStream<Path> read =
          w.dir() == w.borrowed ? w.dir().newDirectoryStream(Path.of("."), NOFOLLOW) : null;
      if (read != null) {
        w.dirs.addLast(read); // closed with the walk; the same directory, so no name of its own
      }
      for (Path p : w.dir()) {
        String why = FileNames.HOST.problem(p.getFileName());
        if (why != null) {
          throw new ConflictException(
              what
                  + ": file \""
                  + (path.endsWith("/") ? path : path + "/")
                  + HostNames.shown(p.getFileName())
                  + "\": the name "
                  + why);
        }
        names.add(p.getFileName().toString());
      }
      names.sort(Comparator.naturalOrder());
      List<DirEntry> out = new ArrayList<>();
      for (String n : names) {
        w.name = n;
        try {
          out.add(new DirEntry(n, stat(w, path + "/" + n)));
        } catch (NotFoundException | NoSuchFileException gone) {
          // removed since the listing: not part of it
        }
      }
      return out;
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public int read(String path, long offset, byte[] dst, int off, int len) throws IOException {
    try (Walk w = entry(path, true);
        SeekableByteChannel ch = open(w, EnumSet.of(StandardOpenOption.READ))) {
      ch.position(offset);
      return ch.read(ByteBuffer.wrap(dst, off, len));
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public InputStream open(String path) throws IOException {
    try (Walk w = entry(path, true)) {
      return Channels.newInputStream(open(w, EnumSet.of(StandardOpenOption.READ)));
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public String readlink(String path) throws IOException {
    FileStat st = stat(path);
    if (!st.isSymlink()) {
      throw new InvalidArgumentException(what + ": " + path + " is not a symlink");
    }
    return st.linkTarget();
  }

  /**
   * Opens the file {@code w} names. A FIFO or device is refused rather than opened: a FIFO's open
   * waits for a peer and would hold the request (and a server thread) forever, a device's runs its
   * driver on the server's host.
   */
  private SeekableByteChannel open(Walk w, Set<StandardOpenOption> options) throws IOException {
    return open(w, lstat(w.dir(), w.name), options);
  }

  /** As above, {@code existing} being what {@code w} named just before (null: nothing). */
  private SeekableByteChannel open(
      Walk w, PosixFileAttributes existing, Set<StandardOpenOption> options) throws IOException {
    if (existing != null && existing.isOther()) {
      throw new ConflictException(
          what
              + ": "
              + w.hostPath().toString().substring(root.toString().length())
              + " is a FIFO or device node: its content is not read or written through Strata");
    }
    Set<OpenOption> all = new java.util.HashSet<>(options);
    all.add(NOFOLLOW);
    SeekableByteChannel ch =
        w.dir()
            .newByteChannel(
                w.name(),
                all,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
    return ch;
  }

  // ---- changes ----

  /** What a change does through the channel of the file it changes. */
  @FunctionalInterface
  private interface ChannelChange {
    void on(SeekableByteChannel ch) throws IOException;
  }

  /**
   * Opens the file {@code w} names with {@code options}, makes {@code change} through it, and makes
   * the file durable as this directory's deferral says ({@link #durable}). Returns whether the open
   * made the file (its directory then wants a sync too).
   */
  private boolean writeThrough(Walk w, Set<StandardOpenOption> options, ChannelChange change)
      throws IOException {
    PosixFileAttributes before = lstat(w.dir(), w.name);
    SeekableByteChannel ch = open(w, before, options);
    try {
      change.on(ch);
    } catch (IOException | RuntimeException e) {
      closeAfter(ch, e);
      throw e;
    }
    durable(w, ch, before);
    return before == null;
  }

  @Override
  public void write(String path, long offset, byte[] b, int off, int len) throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      boolean made =
          writeThrough(
              w,
              EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE),
              ch -> {
                ch.position(offset);
                writeAll(ch, ByteBuffer.wrap(b, off, len));
              });
      if (made) {
        syncDir(w.dir());
      }
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  /**
   * With the host's {@code O_APPEND}: at the file's end when the bytes land, whoever else writes.
   */
  @Override
  public void append(String path, byte[] b, int off, int len) throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      writeThrough(
          w,
          EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND),
          ch -> writeAll(ch, ByteBuffer.wrap(b, off, len)));
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public void writeFile(String path, InputStream in, int mode, int uid, int gid, long mtimeNanos)
      throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      String tmp = ".strata-" + UUID.randomUUID();
      String name = w.name;
      w.name = tmp;
      try {
        try (SeekableByteChannel ch =
            open(w, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW))) {
          byte[] buf = new byte[64 << 10];
          int n;
          while ((n = in.read(buf)) > 0) {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
              ch.write(bb);
            }
          }
          force(ch);
        }
        setMode(w, path, mode);
        PosixFileAttributeView v =
            w.dir().getFileAttributeView(Path.of(tmp), PosixFileAttributeView.class, NOFOLLOW);
        FileTime mtime = FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS);
        v.setTimes(mtime, mtime, null);
        w.dir().move(Path.of(tmp), w.dir(), Path.of(name));
      } catch (IOException | RuntimeException e) {
        try {
          w.dir().deleteFile(Path.of(tmp));
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
      syncDir(w.dir());
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public void overwrite(String path, InputStream in, long mtimeNanos) throws IOException {
    writable(path);
    // In place, as O_TRUNC: the file's other hard links see the new content.
    try (Walk w = entry(path, true)) {
      writeThrough(
          w,
          EnumSet.of(
              StandardOpenOption.WRITE,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING),
          ch -> {
            byte[] buf = new byte[64 << 10];
            int n;
            while ((n = in.read(buf)) > 0) {
              writeAll(ch, ByteBuffer.wrap(buf, 0, n));
            }
          });
      FileTime mtime = FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS);
      w.dir()
          .getFileAttributeView(Path.of(w.name), PosixFileAttributeView.class, NOFOLLOW)
          .setTimes(mtime, null, null);
      syncDir(w.dir());
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    writable(path);
    if (size < 0) {
      throw new InvalidArgumentException(what + ": negative length " + size + " for " + path);
    }
    try (Walk w = entry(path, true)) {
      writeThrough(
          w,
          EnumSet.of(StandardOpenOption.WRITE),
          ch -> {
            if (size < ch.size()) {
              ch.truncate(size);
            } else if (size > ch.size()) {
              ch.position(size - 1);
              ch.write(ByteBuffer.allocate(1));
            }
          });
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public void mkdir(String path, int mode) throws IOException {
    synchronized (NAMESPACE) {
      writable(path);
      try (Walk w = entry(path, false)) {
        if (lstat(w.dir(), w.name) != null) {
          throw new ConflictException(what + ": " + path + " already exists");
        }
        Files.createDirectory(w.hostPath());
        PosixFileAttributes made = madeHere(w, path);
        if (!made.isDirectory()) {
          throw new ConflictException(what + ": " + path + " changed while it was made");
        }
        setMode(w, path, mode);
        syncDir(w.dir());
      } catch (IOException e) {
        throw translate(e, path);
      }
    }
  }

  @Override
  public void mkdirs(String path, int mode) throws IOException {
    StringBuilder at = new StringBuilder();
    for (String n : PathNames.split(path)) {
      at.append('/').append(n);
      String p = at.toString();
      if (!exists(p)) {
        mkdir(p, mode);
      } else if (!stat(p).isDirectory() && !stat(p).isSymlink()) {
        throw new ConflictException(what + ": " + p + " is not a directory");
      }
    }
  }

  @Override
  public void remove(String path, boolean recursive) throws IOException {
    synchronized (NAMESPACE) {
      writable(path);
      try (Walk w = entry(path, false)) {
        PosixFileAttributes a = attributes(w, path);
        if (a.isDirectory()) {
          if (recursive) {
            try (SecureDirectoryStream<Path> d = w.dir().newDirectoryStream(w.name(), NOFOLLOW)) {
              empty(d);
            }
          }
          w.dir().deleteDirectory(w.name());
        } else {
          w.dir().deleteFile(w.name());
        }
        syncDir(w.dir());
      } catch (IOException e) {
        throw translate(e, path);
      }
    }
  }

  private static void empty(SecureDirectoryStream<Path> d) throws IOException {
    List<Path> names = new ArrayList<>();
    for (Path p : d) {
      names.add(p.getFileName());
    }
    for (Path n : names) {
      PosixFileAttributes a =
          d.getFileAttributeView(n, PosixFileAttributeView.class, NOFOLLOW).readAttributes();
      if (a.isDirectory()) {
        try (SecureDirectoryStream<Path> c = d.newDirectoryStream(n, NOFOLLOW)) {
          empty(c);
        }
        d.deleteDirectory(n);
      } else {
        d.deleteFile(n);
      }
    }
  }

  @Override
  public void rename(String from, String to) throws IOException {
    synchronized (NAMESPACE) {
      writable(to);
      try (Walk src = entry(from, false);
          Walk dst = entry(to, false)) {
        if (lstat(src.dir(), src.name) == null) {
          throw new NotFoundException(what + ": " + from + " not found");
        }
        src.dir().move(src.name(), dst.dir(), dst.name());
        syncDir(dst.dir());
        syncDir(src.dir());
      } catch (IOException e) {
        throw translate(e, from + " -> " + to);
      }
    }
  }

  /**
   * Makes an empty regular file, or a FIFO, socket or character or block device with {@code
   * mknodat} on the parent's descriptor: Java has no {@code mknod}, and the node is never opened.
   */
  @Override
  public void mknod(String path, int mode, long rdev) throws IOException {
    int type = mode & FileStat.S_IFMT;
    if (type == 0 || type == FileStat.S_IFREG) {
      if (exists(path)) {
        throw new AlreadyExistsException(what + ": " + path + " exists already");
      }
      write(path, 0, new byte[0], 0, 0);
      chmod(path, mode & 07777);
      return;
    }
    if (type != FileStat.S_IFIFO
        && type != FileStat.S_IFCHR
        && type != FileStat.S_IFBLK
        && type != FileStat.S_IFSOCK) {
      throw new InvalidArgumentException(
          what + ": " + path + ": type " + Integer.toOctalString(type) + " is not a node type");
    }
    synchronized (NAMESPACE) {
      writable(path);
      try (Walk w = entry(path, false)) {
        if (lstat(w.dir(), w.name) != null) {
          throw new AlreadyExistsException(what + ": " + path + " exists already");
        }
        try (NodeCalls.Dir d = w.nodeCalls(path)) {
          d.mknod(w.name, mode, rdev);
          // mknod applies the umask; the mode asked for is the node's, as tar and docker cp keep it
          d.chmod(w.name, mode & 07777);
        }
        syncDir(w.dir());
      } catch (IOException e) {
        throw translate(e, path);
      }
    }
  }

  /**
   * Whether the entry {@code w} names is a node (FIFO, socket, device) that the JDK would open to
   * change: its owner, mode and times are then set through {@link NodeCalls}.
   */
  private static boolean isNode(Walk w) throws IOException {
    PosixFileAttributes a = lstat(w.dir(), w.name);
    return a != null && a.isOther();
  }

  @Override
  public void symlink(String target, String path) throws IOException {
    synchronized (NAMESPACE) {
      writable(path);
      if (target.isEmpty() || target.indexOf('\0') >= 0) {
        throw new InvalidArgumentException(what + ": symlink target '" + target + "' is not valid");
      }
      try (Walk w = entry(path, false)) {
        Files.createSymbolicLink(w.hostPath(), Path.of(target));
        madeHere(w, path);
        syncDir(w.dir());
      } catch (IOException e) {
        throw translate(e, path);
      }
    }
  }

  @Override
  public void link(String existing, String path) throws IOException {
    synchronized (NAMESPACE) {
      writable(path);
      try (Walk src = entry(existing, false);
          Walk dst = entry(path, false)) {
        PosixFileAttributes a = attributes(src, existing);
        if (!a.isRegularFile()) {
          throw new ConflictException(what + ": " + existing + " is not a regular file");
        }
        Files.createLink(dst.hostPath(), src.hostPath());
        PosixFileAttributes made = lstat(dst.dir(), dst.name);
        if (made == null || !a.fileKey().equals(made.fileKey())) {
          if (made != null) {
            dst.dir().deleteFile(dst.name());
          }
          throw new ConflictException(what + ": " + existing + " changed while it was linked");
        }
        syncDir(dst.dir());
      } catch (IOException e) {
        throw translate(e, path);
      }
    }
  }

  /**
   * Checks that what an absolute-path call just made at {@code w.hostPath()} is the entry the held
   * descriptor sees; if a directory on the way was swapped, refuses.
   */
  private PosixFileAttributes madeHere(Walk w, String path) throws IOException {
    PosixFileAttributes seen = lstat(w.dir(), w.name);
    Object made = Files.readAttributes(w.hostPath(), "unix:fileKey", NOFOLLOW).get("fileKey");
    if (seen == null || !seen.fileKey().equals(made)) {
      // What was made lies outside the held directory now; it is not ours to remove.
      throw new ConflictException(what + ": " + path + " changed while it was made");
    }
    return seen;
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      setMode(w, path, mode);
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  /**
   * Sets the mode of {@code w}'s entry. The JDK's setter keeps only the nine permission bits, so a
   * mode with setuid, setgid or sticky set, and a node, go through {@link NodeCalls}.
   */
  private static void setMode(Walk w, String path, int mode) throws IOException {
    if ((mode & 07000) != 0 || isNode(w)) {
      try (NodeCalls.Dir d = w.nodeCalls(path)) {
        d.chmod(w.name, mode);
      }
      return;
    }
    w.dir()
        .getFileAttributeView(w.name(), PosixFileAttributeView.class, NOFOLLOW)
        .setPermissions(permissions(mode));
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      if (isNode(w)) {
        try (NodeCalls.Dir d = w.nodeCalls(path)) {
          d.chown(w.name, uid, gid);
        }
        return;
      }
      UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
      PosixFileAttributeView v =
          w.dir().getFileAttributeView(w.name(), PosixFileAttributeView.class, NOFOLLOW);
      v.setOwner(users.lookupPrincipalByName(Integer.toString(uid)));
      v.setGroup(users.lookupPrincipalByGroupName(Integer.toString(gid)));
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public void setTimes(String path, long mtimeNanos, long atimeNanos) throws IOException {
    writable(path);
    try (Walk w = entry(path, true)) {
      if (isNode(w)) {
        try (NodeCalls.Dir d = w.nodeCalls(path)) {
          d.setTimes(w.name, mtimeNanos, atimeNanos);
        }
        return;
      }
      w.dir()
          .getFileAttributeView(w.name(), BasicFileAttributeView.class, NOFOLLOW)
          .setTimes(
              FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS),
              FileTime.from(atimeNanos, TimeUnit.NANOSECONDS),
              null);
    } catch (IOException e) {
      throw translate(e, path);
    }
  }

  @Override
  public boolean sharedWithHost(String path) {
    return true;
  }

  @Override
  public boolean keepsXattrs(String path) {
    return false;
  }

  @Override
  public void setXattr(String path, String name, byte[] value) {
    throw new InvalidArgumentException(
        what + ": " + path + ": extended attributes are not kept on host directories");
  }

  @Override
  public byte[] getXattr(String path, String name) throws IOException {
    present(path);
    return null;
  }

  @Override
  public List<String> listXattrs(String path) throws IOException {
    present(path);
    return List.of();
  }

  @Override
  public void removeXattr(String path, String name) throws IOException {
    present(path);
  }

  /**
   * On: changes reach the host at once but are forced at the next {@link #sync}. Off: what was
   * deferred is forced now, and every change again before it returns.
   */
  @Override
  public void deferSync(boolean defer) throws IOException {
    if (!defer && deferred) {
      deferred = false;
      closeHeldRoots();
      unforced.forceAll();
    }
    deferred = defer;
  }

  /** Forces the files and directories changed since the last sync. */
  @Override
  public void sync() throws IOException {
    unforced.forceAll();
  }

  /**
   * Forces the kept channel of the file or directory at {@code path} (a symlink followed), if it
   * has one: the container's {@code fsync} of one file forces that file, not every file the mount
   * changed (a database's commit fsyncs its journal, then its file: forcing all each time doubled
   * its fsyncs). Nothing kept: nothing unforced (a change made while nothing was deferred was
   * forced before it returned).
   */
  @Override
  public void syncFile(String path) throws IOException {
    Object key;
    try (Walk w = walk(path, true)) {
      key = attributes(w, path).fileKey();
    } catch (NotFoundException e) {
      return; // removed since: a file no name reaches is the kernel's to drop
    } catch (IOException e) {
      throw translate(e, path);
    }
    unforced.forceOne(key);
  }

  /**
   * Gives up forcing what was deferred; the changes themselves stay: host files are written
   * through, as a bind mount or volume would be.
   */
  @Override
  public void discard() {
    unforced.closeAll();
    closeHeldRoots();
  }

  // ---- helpers ----

  private void force(SeekableByteChannel ch) throws IOException {
    if (ch instanceof FileChannel f) {
      unforced.forceNow(f);
    }
  }

  private static void writeAll(SeekableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static void closeAfter(SeekableByteChannel ch, Throwable failure) {
    try {
      ch.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Makes what was written through {@code ch} (open on {@code w}'s entry, which was {@code before}
   * just before it was opened) durable and closes it, or keeps it for the next {@link #sync} while
   * changes are deferred. It is kept under the file's identity when the entry is the same file
   * before and after the open, so one channel per file is kept however many writes it takes; if the
   * host swapped the entry meanwhile, under an identity of its own, so it is forced all the same.
   */
  private void durable(Walk w, SeekableByteChannel ch, PosixFileAttributes before)
      throws IOException {
    if (!deferred || !(ch instanceof FileChannel f)) {
      try (ch) {
        force(ch);
      }
      return;
    }
    PosixFileAttributes after;
    try {
      after = lstat(w.dir(), w.name);
    } catch (IOException | RuntimeException e) {
      closeAfter(ch, e);
      throw e;
    }
    boolean same = after != null && (before == null || before.fileKey().equals(after.fileKey()));
    unforced.keep(same ? after.fileKey() : new Object(), f);
  }

  /**
   * Makes new, removed and renamed names in {@code dir} durable now, or at the next {@link #sync}
   * while changes are deferred.
   */
  private void syncDir(SecureDirectoryStream<Path> dir) throws IOException {
    Object key =
        deferred
            ? dir.getFileAttributeView(PosixFileAttributeView.class).readAttributes().fileKey()
            : null;
    if (key != null && unforced.has(key)) {
      return;
    }
    SeekableByteChannel ch = dir.newByteChannel(Path.of("."), Set.of(StandardOpenOption.READ));
    if (key != null && ch instanceof FileChannel f) {
      unforced.keep(key, f);
      return;
    }
    try (ch) {
      force(ch);
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        out.add(bits[i]);
      }
    }
    return out;
  }

  /**
   * The typed error for a host file system failure on {@code path}; an I/O error that is not about
   * the path (a failing disk) is thrown as it is.
   */
  private RuntimeException translate(IOException e, String path) throws IOException {
    String at = what + ": " + path;
    if (e instanceof NoSuchFileException) {
      return new NotFoundException(at + " not found", e);
    }
    if (e instanceof FileAlreadyExistsException) {
      return new ConflictException(at + " already exists", e);
    }
    if (e instanceof DirectoryNotEmptyException) {
      return new ConflictException(at + " is a directory that is not empty", e);
    }
    if (e instanceof NotDirectoryException) {
      return new ConflictException(at + " is not a directory", e);
    }
    if (e instanceof AccessDeniedException) {
      return new ConflictException(at + ": permission denied on the host", e);
    }
    if (e instanceof FileSystemException f) {
      String reason = f.getReason() == null ? "" : f.getReason();
      if (reason.contains("symbolic link")) {
        return new ConflictException(at + ": a symlink appeared on the way and is not followed", e);
      }
      if (reason.contains("Not a directory")) {
        return new ConflictException(at + ": a component is not a directory", e);
      }
    }
    throw e;
  }
}

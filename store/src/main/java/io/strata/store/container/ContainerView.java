package io.strata.store.container;

import io.strata.store.error.ConflictException;
import io.strata.store.error.EachCalled;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.PathNames;
import io.strata.store.volume.HostDirectory;
import io.strata.store.volume.LinkLeavesMount;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A container's file system as {@code strata fs} and {@code cp} see it: a path at or under a mount
 * target goes to that mount's host directory (the deepest target wins, as with nested mounts),
 * every other path to the writable layer. {@code ..} in a path is refused ({@link PathNames}). A
 * symlink in the writable layer is followed as the kernel follows it in a running container: name
 * by name, so a link whose target is (or leads into) a mount target continues in that mount, and a
 * write through it lands in the volume, not hidden in the layer under the mount. Once in a mount,
 * the rest of the path is the host directory's to resolve (its symlinks stay inside it), and a
 * {@code ..} that would climb back out of the mount is refused. Operations on a name itself (stat,
 * remove, rename, link, symlink, mkdir) do not follow a final symlink; those on what it points to
 * (read, write, list, truncate, chmod) do. Moving or linking across a mount boundary is refused, as
 * {@code EXDEV} would be.
 */
public final class ContainerView implements FileSystemView {
  /** Symlinks one path may pass through, Linux's limit. */
  private static final int MAX_SYMLINK_HOPS = 40;

  private final FileSystemView layer;
  private final List<Map.Entry<String, HostDirectory>> mounts;

  /** The container as a refusal names it ({@code container NAME (ID12)}). */
  private final String container;

  /**
   * The view of {@code layer} with {@code mounts} (target → directory) over it, of the container
   * {@code container} names ({@code container NAME (ID12)}).
   */
  ContainerView(FileSystemView layer, Map<String, HostDirectory> mounts, String container) {
    this.layer = layer;
    this.container = container;
    this.mounts = new ArrayList<>(mounts.entrySet());
    this.mounts.sort(
        Comparator.comparingInt((Map.Entry<String, HostDirectory> e) -> e.getKey().length())
            .reversed()
            .thenComparing(
                Map.Entry::getKey)); // the same order, so the same inode numbers, each time
  }

  /** Where a mount's inode numbers start: above any the tree gives (it counts from 2). */
  private static final long MOUNT_INODES = 1L << 62;

  /** The bits of a host inode number kept: 48 (ext4's are 32; xfs and btrfs rarely pass 2^48). */
  private static final long HOST_INODE_BITS = (1L << 48) - 1;

  /**
   * {@code st} of a file of a mount, with an inode number of that mount's own range. The layer and
   * every mount number their inodes apart (the tree from 2, as tmpfs does), but a container's view
   * is one file system to its readers (one st_dev through a mount): tools that tell files apart by
   * (st_dev, st_ino), tar, cp -a, rsync -H, du, took an image file and a volume's file of the same
   * number for hard links of each other (docs/ADVERSARIAL.md, F7).
   */
  private FileStat remapped(FileSystemView fs, FileStat st) {
    if (fs == layer) {
      return st;
    }
    int index = 0;
    while (index < mounts.size() && mounts.get(index).getValue() != fs) {
      index++;
    }
    long ino = MOUNT_INODES | ((long) (index + 1) << 48) | (st.ino() & HOST_INODE_BITS);
    return new FileStat(
        ino,
        st.mode(),
        st.uid(),
        st.gid(),
        st.nlink(),
        st.size(),
        st.mtimeNanos(),
        st.atimeNanos(),
        st.ctimeNanos(),
        st.linkTarget(),
        st.rdev(),
        st.allocatedBytes());
  }

  /**
   * Where {@code path} goes: a file system, the path inside it, and the target of the mount it is
   * in (null: the layer).
   */
  private record Route(FileSystemView fs, String path, String mount) {}

  /** Where {@code path} goes, a final symlink not followed. */
  private Route route(String path) throws IOException {
    return route(path, false);
  }

  /**
   * Where {@code path}, which a call would change, goes; refused here, not in the mount, when that
   * is read-only, since only here are the container and its path known: the mount would name its
   * own path ({@code /zz}), not the one the user wrote ({@code /b/zz}).
   */
  private Route changing(String path, boolean followLast) throws IOException {
    Route r = route(path, followLast);
    if (r.mount() != null && r.fs().readOnly()) {
      throw new ConflictException(
          container
              + ": "
              + ((HostDirectory) r.fs()).what()
              + " at "
              + r.mount()
              + " is read-only: cannot change "
              + path);
    }
    return r;
  }

  /** Where {@code path} goes; a final symlink is followed only if {@code followLast}. */
  private Route route(String path, boolean followLast) throws IOException {
    String p = PathNames.normalize(path);
    Route direct = mounted(p);
    if (mounts.isEmpty() || (direct != null && !hasMountBelow(direct.mount()))) {
      return direct != null ? direct : new Route(layer, p, null);
    }
    // By its names: only a symlink met on the way can lead into a mount, in the layer, or in a
    // mount that has another mounted below it (whose target, resolved at create, a link of the
    // outer mount's may lead to: docs/ADVERSARIAL.md, O4). In a mount, links stay in it.
    Deque<String> todo = new ArrayDeque<>(PathNames.split(p));
    List<String> done = new ArrayList<>();
    String in = null; // the target of the mount walked in
    int hops = 0;
    while (!todo.isEmpty()) {
      String name = todo.poll();
      if (name.equals("..")) { // only from a link's target
        if (in != null && PathNames.split(in).size() == done.size()) {
          in = null; // above the mount, back in the container's names
        }
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      done.add(name);
      String at = "/" + String.join("/", done);
      Route r = mounted(at);
      if (r != null && !r.mount().equals(in)) {
        if (!hasMountBelow(r.mount()) && !todo.contains("..")) {
          return intoMount(path, r.mount(), done, todo);
        }
        in = r.mount();
      }
      if (todo.isEmpty() && !followLast) {
        break;
      }
      Route here = r != null ? r : new Route(layer, at, null);
      FileStat st;
      try {
        st = here.fs().stat(here.path());
      } catch (NotFoundException e) {
        break; // the file system answers for a missing name as it does
      }
      if (!st.isSymlink()) {
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InvalidArgumentException("path " + path + ": too many levels of symlinks");
      }
      String target = here.fs().readlink(here.path());
      if (target.startsWith("/")) {
        in = null; // from the container's root, as the kernel resolves it
      }
      followLink(target, done, todo);
    }
    if (in != null) {
      return intoMount(path, in, done, todo);
    }
    if (hops == 0 || todo.contains("..")) {
      return new Route(layer, p, null); // no link led anywhere else: the layer resolves it
    }
    List<String> all = new ArrayList<>(done);
    all.addAll(todo);
    return new Route(layer, "/" + String.join("/", all), null);
  }

  /** A call on the file system a path goes to. */
  @FunctionalInterface
  private interface Call<T> {
    T on(Route r) throws IOException;
  }

  /** A call on the file system a path goes to, with no answer. */
  @FunctionalInterface
  private interface Change {
    void on(Route r) throws IOException;
  }

  /**
   * {@code call} where {@code path} goes ({@link #changing} if it {@code changes}, else {@link
   * #route}). A symlink in a mount that leads out of it, an absolute target or a {@code ..} above
   * the mount, is met by the mount's own walk ({@link LinkLeavesMount}), so a path without one
   * costs no walk of its own; the path then goes on in the container's names from there, as the
   * kernel resolves it in the running container (a bind mount's {@code sub -> /etc} makes {@code
   * /b/sub/hostname} the container's {@code /etc/hostname}), and is routed again.
   */
  private <T> T on(String path, boolean followLast, boolean changes, Call<T> call)
      throws IOException {
    String p = path;
    for (int hops = 0; ; hops++) {
      Route r = changes ? changing(p, followLast) : route(p, followLast);
      try {
        return call.on(r);
      } catch (LinkLeavesMount e) {
        if (r.mount() == null || !e.walking(r.fs(), r.path())) {
          throw e;
        }
        if (hops >= MAX_SYMLINK_HOPS) {
          throw new InvalidArgumentException("path " + path + ": too many levels of symlinks");
        }
        p = goOn(r.mount(), e);
      }
    }
  }

  /** As {@link #on}, for a call with no answer. */
  private void run(String path, boolean followLast, boolean changes, Change change)
      throws IOException {
    on(
        path,
        followLast,
        changes,
        r -> {
          change.on(r);
          return null;
        });
  }

  /**
   * The container path where a walk that left the mount at {@code target} goes on: the names left
   * walked from the container's root or the target, each symlink before the last followed in the
   * container's names (the last is the call's to follow or not), a {@code ..} never above the root.
   */
  private String goOn(String target, LinkLeavesMount left) throws IOException {
    List<String> done = new ArrayList<>(left.absolute() ? List.of() : PathNames.split(target));
    Deque<String> todo = new ArrayDeque<>(left.names());
    int hops = 0;
    while (!todo.isEmpty()) {
      String name = todo.poll();
      if (name.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      done.add(name);
      if (todo.isEmpty()) {
        break;
      }
      String at = "/" + String.join("/", done);
      // done holds no symlink, so this is the entry itself, in the layer or a mount
      FileStat st = exists(at) ? stat(at) : null;
      if (st == null || !st.isSymlink()) {
        continue; // a missing name fails the call as it would without the link
      }
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InvalidArgumentException("path " + at + ": too many levels of symlinks");
      }
      followLink(readlink(at), done, todo);
    }
    return "/" + String.join("/", done);
  }

  /**
   * Continues a walk through the symlink that is the last of {@code done}, whose target is {@code
   * link}: the link's name gives way to its target's names, to be walked next ({@code todo}), from
   * the container's root if the target is absolute.
   */
  private static void followLink(String link, List<String> done, Deque<String> todo) {
    done.remove(done.size() - 1);
    if (link.startsWith("/")) {
      done.clear();
    }
    String[] parts = link.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      if (!parts[i].isEmpty() && !parts[i].equals(".")) {
        todo.push(parts[i]);
      }
    }
  }

  /** The mount {@code p} is at or under (the deepest target), by name; null if none. */
  private Route mounted(String p) {
    for (Map.Entry<String, HostDirectory> m : mounts) {
      String t = m.getKey();
      if (p.equals(t)) {
        return new Route(m.getValue(), "/", t);
      }
      if (p.startsWith(t + "/")) {
        return new Route(m.getValue(), p.substring(t.length()), t);
      }
    }
    return null;
  }

  /** Whether another mount's target lies below mount target {@code target}. */
  private boolean hasMountBelow(String target) {
    for (Map.Entry<String, HostDirectory> m : mounts) {
      if (m.getKey().startsWith(target + "/")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where the names {@code at} and then {@code rest} go, in the mount at {@code target} which a
   * walk reached: a {@code ..} that climbs above the target leaves the mount and is refused, as the
   * mount rules say; a deeper mount on the way wins, as it does for a path given directly.
   */
  private Route intoMount(String path, String target, List<String> at, Deque<String> rest) {
    List<String> names = new ArrayList<>(at);
    int floor = PathNames.split(target).size();
    for (String name : rest) {
      if (name.equals("..")) {
        if (names.size() == floor) {
          throw new ConflictException(
              "path " + path + " leads out of the mount at " + target + " through '..'");
        }
        names.remove(names.size() - 1);
      } else {
        names.add(name);
      }
    }
    return mounted("/" + String.join("/", names));
  }

  /**
   * The path {@code path} leads to with every symlink on it followed, the last one included ({@code
   * cp -L}): name by name, as the kernel resolves it in the running container, so an absolute
   * target starts again at the container's root and a {@code ..} never climbs above it. The answer
   * is a container path without symlinks or {@code ..}, which the other calls then take as it is; a
   * link that dangles is NOT_FOUND, naming where it led. A link in a mount resolves the same way,
   * in the container's names (as Docker's daemon follows it, over the container's root with its
   * mounts), never on the host: a volume's {@code /x} is the container's {@code /x}.
   */
  public String followLinks(String path) throws IOException {
    return resolve(path, false);
  }

  /**
   * Where a write to {@code path} lands ({@code cp} into a container, whose DEST docker evaluates
   * in the container's scope): every symlink followed as {@link #followLinks} does, the last name
   * included, but that last name may be missing (a new file), and a last link that dangles leads to
   * where it points, as {@code open(O_CREAT)} writes through it. Every name before the last must be
   * a directory (through its links): NOT_FOUND names the one that is not.
   */
  public String followLinksForWrite(String path) throws IOException {
    return resolve(path, true);
  }

  /**
   * Where a mount at {@code target} goes in the container's names, as runc finds a mount's
   * destination: every symlink on the way followed in the container's scope (the outer mounts of
   * this view included, an absolute link from the container's root, a {@code ..} never above it),
   * the names from the first missing one on kept as given (they are made). Docker mounts {@code -v
   * /src:/b -v vol:/b/lnk/t}, {@code /src/lnk} a link to {@code real}, at {@code /b/real/t}
   * (docs/ADVERSARIAL.md, O4).
   */
  String resolveMountTarget(String target) throws IOException {
    Deque<String> todo = new ArrayDeque<>(PathNames.split(target));
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String name = todo.poll();
      if (name.equals("..")) { // only from a link's target
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      done.add(name);
      String at = "/" + String.join("/", done);
      Route r = mounted(at);
      Route here = r != null ? r : new Route(layer, at, null);
      FileStat st;
      try {
        st = here.fs().stat(here.path());
      } catch (NotFoundException e) {
        for (String rest : todo) { // missing from here on: made as named
          if (!rest.equals("..")) {
            done.add(rest);
          } else if (!done.isEmpty()) {
            done.remove(done.size() - 1);
          }
        }
        break;
      }
      if (!st.isSymlink()) {
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InvalidArgumentException(
            "mount target " + target + ": too many levels of symlinks");
      }
      followLink(here.fs().readlink(here.path()), done, todo);
    }
    return "/" + String.join("/", done);
  }

  private String resolve(String path, boolean forWrite) throws IOException {
    Deque<String> todo = new ArrayDeque<>(PathNames.split(path));
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String name = todo.poll();
      if (name.equals("..")) { // only from a link's target
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      done.add(name);
      String at = "/" + String.join("/", done);
      // done holds no symlink, so this stat is of the entry itself, in the layer or a mount
      FileStat st = exists(at) ? stat(at) : null;
      if (forWrite && (st == null || !st.isSymlink())) {
        if (todo.isEmpty()) {
          break; // the name written, new or not
        }
        if (st == null || !st.isDirectory()) {
          String via = hops == 0 ? "" : " (" + path + " leads there through a symlink)";
          throw new NotFoundException(
              st == null
                  ? "directory " + at + " does not exist in the container" + via
                  : "path " + at + " is not a directory in the container" + via);
        }
        continue;
      }
      if (st == null) {
        if (hops == 0) {
          throw new NotFoundException("path " + path + " not found"); // as without -L
        }
        String rest = todo.isEmpty() ? "" : "/" + String.join("/", todo);
        throw new NotFoundException(
            "path " + path + " leads to " + at + rest + ", which does not exist");
      }
      if (!st.isSymlink()) {
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InvalidArgumentException("path " + path + ": too many levels of symlinks");
      }
      followLink(readlink(at), done, todo);
    }
    return "/" + String.join("/", done);
  }

  private static void sameMount(Route a, Route b, String op, String from, String to) {
    if (a.fs() != b.fs()) {
      throw new ConflictException(
          "cannot " + op + " " + from + " to " + to + ": they are on different mounts");
    }
  }

  @Override
  public boolean readOnly() {
    return layer.readOnly();
  }

  @Override
  public FileStat stat(String path) throws IOException {
    return on(path, false, false, r -> remapped(r.fs(), r.fs().stat(r.path())));
  }

  @Override
  public boolean exists(String path) throws IOException {
    return on(path, false, false, r -> r.fs().exists(r.path()));
  }

  @Override
  public List<DirEntry> list(String path) throws IOException {
    return on(
        path,
        true,
        false,
        r -> {
          List<DirEntry> entries = r.fs().list(r.path());
          if (r.fs() == layer) {
            return entries;
          }
          List<DirEntry> out = new ArrayList<>(entries.size());
          for (DirEntry e : entries) {
            out.add(new DirEntry(e.name(), remapped(r.fs(), e.stat())));
          }
          return out;
        });
  }

  @Override
  public long seek(String path, long offset, boolean hole) throws IOException {
    return on(path, true, false, r -> r.fs().seek(r.path(), offset, hole));
  }

  @Override
  public int read(String path, long offset, byte[] dst, int off, int len) throws IOException {
    return on(path, true, false, r -> r.fs().read(r.path(), offset, dst, off, len));
  }

  @Override
  public InputStream open(String path) throws IOException {
    return on(path, true, false, r -> r.fs().open(r.path()));
  }

  @Override
  public String readlink(String path) throws IOException {
    return on(path, false, false, r -> r.fs().readlink(r.path()));
  }

  @Override
  public void write(String path, long offset, byte[] b, int off, int len) throws IOException {
    run(path, true, true, r -> r.fs().write(r.path(), offset, b, off, len));
  }

  @Override
  public void append(String path, byte[] b, int off, int len) throws IOException {
    run(path, true, true, r -> r.fs().append(r.path(), b, off, len));
  }

  @Override
  public void writeFile(String path, InputStream in, int mode, int uid, int gid, long mtimeNanos)
      throws IOException {
    run(path, false, true, r -> r.fs().writeFile(r.path(), in, mode, uid, gid, mtimeNanos));
  }

  @Override
  public void overwrite(String path, InputStream in, long mtimeNanos) throws IOException {
    run(path, true, true, r -> r.fs().overwrite(r.path(), in, mtimeNanos));
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    run(path, true, true, r -> r.fs().truncate(r.path(), size));
  }

  @Override
  public void mkdir(String path, int mode) throws IOException {
    run(path, false, true, r -> r.fs().mkdir(r.path(), mode));
  }

  @Override
  public void mkdirs(String path, int mode) throws IOException {
    // as mkdir -p: a directory there already is no change, read-only mount or not
    run(path, false, !exists(path), r -> r.fs().mkdirs(r.path(), mode));
  }

  @Override
  public void remove(String path, boolean recursive) throws IOException {
    run(path, false, true, r -> r.fs().remove(r.path(), recursive));
  }

  @Override
  public void rename(String from, String to) throws IOException {
    run(
        from,
        false,
        false,
        a ->
            run(
                to,
                false,
                true,
                b -> {
                  sameMount(a, b, "move", from, to);
                  a.fs().rename(a.path(), b.path());
                }));
  }

  @Override
  public void mknod(String path, int mode, long rdev) throws IOException {
    // a name there already is refused as existing, as the mount itself would say first
    run(path, false, !exists(path), r -> r.fs().mknod(r.path(), mode, rdev));
  }

  @Override
  public void symlink(String target, String path) throws IOException {
    run(path, false, true, r -> r.fs().symlink(target, r.path()));
  }

  @Override
  public void link(String existing, String path) throws IOException {
    run(
        existing,
        false,
        false,
        a ->
            run(
                path,
                false,
                true,
                b -> {
                  sameMount(a, b, "link", existing, path);
                  a.fs().link(a.path(), b.path());
                }));
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    run(path, true, true, r -> r.fs().chmod(r.path(), mode));
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    run(path, false, true, r -> r.fs().chown(r.path(), uid, gid));
  }

  @Override
  public void setTimes(String path, long mtimeNanos, long atimeNanos) throws IOException {
    run(path, false, true, r -> r.fs().setTimes(r.path(), mtimeNanos, atimeNanos));
  }

  /**
   * The layer's names of a layer file, those the view still routes to the layer (a mount target may
   * hide some); the path alone for a mount's file.
   */
  @Override
  public List<String> linksOf(String path) throws IOException {
    Route r = route(path);
    if (r.fs() != layer) {
      return List.of(path);
    }
    List<String> out = new ArrayList<>();
    for (String p : layer.linksOf(r.path())) {
      if (route(p).fs() == layer) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public boolean finishIdleAppends() throws IOException {
    return layer.finishIdleAppends();
  }

  /** The layer's numbers, below every mount's range: one file each in the whole view. */
  @Override
  public boolean inodeNamesOneFile(long ino) {
    return ino < MOUNT_INODES;
  }

  @Override
  public boolean sharedWithHost(String path) throws IOException {
    return !mounts.isEmpty() && route(path, true).fs().sharedWithHost("/");
  }

  @Override
  public boolean keepsXattrs(String path) throws IOException {
    return on(path, false, false, r -> r.fs().keepsXattrs(r.path()));
  }

  @Override
  public void setXattr(String path, String name, byte[] value) throws IOException {
    run(path, false, false, r -> r.fs().setXattr(r.path(), name, value));
  }

  @Override
  public byte[] getXattr(String path, String name) throws IOException {
    return on(path, false, false, r -> r.fs().getXattr(r.path(), name));
  }

  @Override
  public List<String> listXattrs(String path) throws IOException {
    return on(path, false, false, r -> r.fs().listXattrs(r.path()));
  }

  @Override
  public void removeXattr(String path, String name) throws IOException {
    run(path, false, false, r -> r.fs().removeXattr(r.path(), name));
  }

  /**
   * Applies to the writable layer and the mounts' host directories alike: a mount's writes into a
   * volume reach the host at once and are forced at the container's next fsync, as on the host.
   */
  @Override
  public void deferSync(boolean defer) throws IOException {
    everywhere(fs -> fs.deferSync(defer));
  }

  /** Makes the layer's held changes and the host files changed since the last sync durable. */
  @Override
  public void sync() throws IOException {
    everywhere(FileSystemView::sync);
  }

  /** The layer's held changes through its intent log, the host files as {@link #sync} does. */
  @Override
  public void syncLogged() throws IOException {
    everywhere(FileSystemView::syncLogged);
  }

  /** A host file or directory alone; a path in the layer syncs the layer (one commit for all). */
  @Override
  public void syncFile(String path) throws IOException {
    run(
        path,
        true,
        false,
        r -> {
          if (r.fs() == layer) {
            layer.sync();
          } else {
            r.fs().syncFile(r.path());
          }
        });
  }

  /**
   * Drops what the writable layer holds unsynced; the mounts' host files are written through, only
   * their forcing is given up.
   */
  @Override
  public void discard() {
    layer.discard();
    for (Map.Entry<String, HostDirectory> m : mounts) {
      m.getValue().discard();
    }
  }

  /**
   * Runs {@code call} on the layer, then on every mount even if one failed: each holds its own
   * changes. The first failure is thrown after, the others suppressed.
   */
  private void everywhere(EachCalled.Call<FileSystemView> call) throws IOException {
    List<FileSystemView> all = new ArrayList<>();
    all.add(layer);
    for (Map.Entry<String, HostDirectory> m : mounts) {
      all.add(m.getValue());
    }
    EachCalled.on(all, call);
  }
}

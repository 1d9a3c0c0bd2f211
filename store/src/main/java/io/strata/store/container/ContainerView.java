package io.strata.store.container;

import io.strata.store.error.ConflictException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.PathNames;
import io.strata.store.volume.HostDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A container's file system as {@code strata fs} and {@code cp} see it: a path at or under a mount
 * target goes to that mount's host directory (the deepest target wins, as with nested mounts),
 * every other path to the writable layer. Paths are taken lexically: {@code ..} is refused ({@link
 * PathNames}), and a symlink in the writable layer resolves inside the layer, never into a mount.
 * Moving or linking across a mount boundary is refused, as {@code EXDEV} would be.
 */
public final class ContainerView implements FileSystemView {
  private final FileSystemView layer;
  private final List<Map.Entry<String, HostDirectory>> mounts;

  /** The view of {@code layer} with {@code mounts} (target → directory) over it. */
  ContainerView(FileSystemView layer, Map<String, HostDirectory> mounts) {
    this.layer = layer;
    this.mounts = new ArrayList<>(mounts.entrySet());
    this.mounts.sort(
        Comparator.comparingInt((Map.Entry<String, HostDirectory> e) -> e.getKey().length())
            .reversed());
  }

  /** Where {@code path} goes: a file system and the path inside it. */
  private record Route(FileSystemView fs, String path) {}

  private Route route(String path) {
    String p = PathNames.normalize(path);
    for (Map.Entry<String, HostDirectory> m : mounts) {
      String t = m.getKey();
      if (p.equals(t)) {
        return new Route(m.getValue(), "/");
      }
      if (p.startsWith(t + "/")) {
        return new Route(m.getValue(), p.substring(t.length()));
      }
    }
    return new Route(layer, p);
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
    Route r = route(path);
    return r.fs().stat(r.path());
  }

  @Override
  public boolean exists(String path) throws IOException {
    Route r = route(path);
    return r.fs().exists(r.path());
  }

  @Override
  public List<DirEntry> list(String path) throws IOException {
    Route r = route(path);
    return r.fs().list(r.path());
  }

  @Override
  public int read(String path, long offset, byte[] dst, int off, int len) throws IOException {
    Route r = route(path);
    return r.fs().read(r.path(), offset, dst, off, len);
  }

  @Override
  public InputStream open(String path) throws IOException {
    Route r = route(path);
    return r.fs().open(r.path());
  }

  @Override
  public String readlink(String path) throws IOException {
    Route r = route(path);
    return r.fs().readlink(r.path());
  }

  @Override
  public void write(String path, long offset, byte[] b, int off, int len) throws IOException {
    Route r = route(path);
    r.fs().write(r.path(), offset, b, off, len);
  }

  @Override
  public void writeFile(String path, InputStream in, int mode, int uid, int gid, long mtimeNanos)
      throws IOException {
    Route r = route(path);
    r.fs().writeFile(r.path(), in, mode, uid, gid, mtimeNanos);
  }

  @Override
  public void overwrite(String path, InputStream in, long mtimeNanos) throws IOException {
    Route r = route(path);
    r.fs().overwrite(r.path(), in, mtimeNanos);
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    Route r = route(path);
    r.fs().truncate(r.path(), size);
  }

  @Override
  public void mkdir(String path, int mode) throws IOException {
    Route r = route(path);
    r.fs().mkdir(r.path(), mode);
  }

  @Override
  public void mkdirs(String path, int mode) throws IOException {
    Route r = route(path);
    r.fs().mkdirs(r.path(), mode);
  }

  @Override
  public void remove(String path, boolean recursive) throws IOException {
    Route r = route(path);
    r.fs().remove(r.path(), recursive);
  }

  @Override
  public void rename(String from, String to) throws IOException {
    Route a = route(from);
    Route b = route(to);
    sameMount(a, b, "move", from, to);
    a.fs().rename(a.path(), b.path());
  }

  @Override
  public void mknod(String path, int mode, long rdev) throws IOException {
    Route r = route(path);
    r.fs().mknod(r.path(), mode, rdev);
  }

  @Override
  public void symlink(String target, String path) throws IOException {
    Route r = route(path);
    r.fs().symlink(target, r.path());
  }

  @Override
  public void link(String existing, String path) throws IOException {
    Route a = route(existing);
    Route b = route(path);
    sameMount(a, b, "link", existing, path);
    a.fs().link(a.path(), b.path());
  }

  @Override
  public void chmod(String path, int mode) throws IOException {
    Route r = route(path);
    r.fs().chmod(r.path(), mode);
  }

  @Override
  public void chown(String path, int uid, int gid) throws IOException {
    Route r = route(path);
    r.fs().chown(r.path(), uid, gid);
  }

  @Override
  public void setTimes(String path, long mtimeNanos, long atimeNanos) throws IOException {
    Route r = route(path);
    r.fs().setTimes(r.path(), mtimeNanos, atimeNanos);
  }

  @Override
  public void setXattr(String path, String name, byte[] value) throws IOException {
    Route r = route(path);
    r.fs().setXattr(r.path(), name, value);
  }

  @Override
  public byte[] getXattr(String path, String name) throws IOException {
    Route r = route(path);
    return r.fs().getXattr(r.path(), name);
  }

  @Override
  public List<String> listXattrs(String path) throws IOException {
    Route r = route(path);
    return r.fs().listXattrs(r.path());
  }

  @Override
  public void removeXattr(String path, String name) throws IOException {
    Route r = route(path);
    r.fs().removeXattr(r.path(), name);
  }

  /** Applies to the writable layer; host directories are always synchronous. */
  @Override
  public void deferSync(boolean defer) throws IOException {
    layer.deferSync(defer);
  }

  @Override
  public void sync() throws IOException {
    layer.sync();
  }

  /** Drops what the writable layer holds unsynced; the mounts' host files are written through. */
  @Override
  public void discard() {
    layer.discard();
  }
}

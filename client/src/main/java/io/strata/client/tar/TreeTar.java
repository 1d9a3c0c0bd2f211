package io.strata.client.tar;

import io.strata.files.names.HostNames;
import io.strata.files.pax.PaxHeader;
import io.strata.files.xattr.HostXattrs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a local directory as a tar, the way {@code tar -C DIR -cf - .} records it: a {@code ./}
 * entry for the directory itself, then every entry below it with its mode (setuid, setgid and
 * sticky included), numeric owner, whole-second mtime, symlinks as links (never followed) and hard
 * links as link entries to the first path of their inode. Entries come in sorted order, depth
 * first, so the same tree always gives the same stream. Long names and large numbers use PAX
 * headers. FIFOs and character and block devices are entries of their own type ({@code '6'}, {@code
 * '3'}, {@code '4'}, a device with its major and minor), hard-linked like files; sockets are left
 * out, as GNU tar and Docker leave them out. {@link #writeNamed} and {@link #writeChildren} make
 * the tars {@code docker cp} sends: one top entry named after the source, or the directory's
 * children at the top. Names are UTF-8: a name or symlink target that is not is refused, naming it
 * ({@link ClientNames}).
 *
 * <p>Extended attributes ({@link HostXattrs}: file capabilities, {@code user.*}, ...) are {@code
 * SCHILY.xattr.NAME} records of a PAX header written before the entry, their values byte for byte,
 * as {@code tar --xattrs} and the server's {@code LayerTarWriter} write them: that header holds the
 * entry's name, link and large numbers too, in the server's order, so that {@link #writeLayer}
 * stays the canonical layer tar the server hashes as it arrives.
 */
public final class TreeTar {
  private final Path root;
  private final Map<Object, String> inodes = new HashMap<>();

  /** Excluded directories walked for an exception below them, not written yet (outermost first). */
  private final List<Object[]> pendingDirs = new ArrayList<>();

  /**
   * What an entry needs, named one by one: {@code unix:*} also resolves the owner's and group's
   * names, a passwd and a group lookup per file that took more of an import's client CPU than
   * reading the files (the profile in docs/perf/HISTORY.md, "Fresh server").
   */
  private static final String ATTRIBUTES =
      "unix:mode,dev,ino,nlink,size,rdev,uid,gid,lastModifiedTime";

  /** Reads each entry's extended attributes; opened at the first entry. */
  private HostXattrs xattrs;

  /** The exact bytes of {@link #root}'s absolute path, which every entry's path starts with. */
  private byte[] rootBytes;

  // Files are read in large pieces: Files.copy's 8 KiB made a read call per 8 KiB.
  private final byte[] copyBuffer = new byte[128 << 10];
  private TarArchiveOutputStream tar;

  private TreeTar(Path root) {
    this.root = root;
  }

  /** Writes directory {@code dir} as a tar to {@code out}; {@code out} stays open. */
  public static void write(Path dir, OutputStream out) throws IOException {
    new TreeTar(dir).run(out);
  }

  /**
   * Writes directory {@code dir} as a tar to {@code out} leaving out what {@code ignore} excludes,
   * as docker build sends its context: an excluded directory is walked only when an exception could
   * bring back something below it, and is then written (before that entry) as its parent.
   */
  public static void write(Path dir, OutputStream out, DockerIgnore ignore) throws IOException {
    if (ignore.isEmpty()) {
      write(dir, out);
      return;
    }
    TreeTar t = new TreeTar(dir);
    t.open(out);
    t.add(dir, "./");
    t.walkFiltered(dir, "", ignore);
    t.finish();
  }

  private void walkFiltered(Path dir, String rel, DockerIgnore ignore) throws IOException {
    for (Path child : children(dir)) {
      String r = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
      boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
      if (!ignore.excluded(r)) {
        flushPendingDirs();
        add(child, "./" + r + (isDir ? "/" : ""));
        if (isDir) {
          walkFiltered(child, r, ignore);
        }
      } else if (isDir && ignore.mayIncludeBelow(r)) {
        Object[] pending = {child, "./" + r + "/"};
        pendingDirs.add(pending);
        walkFiltered(child, r, ignore);
        pendingDirs.remove(pending);
      }
    }
  }

  private void flushPendingDirs() throws IOException {
    for (Object[] d : pendingDirs) {
      add((Path) d[0], (String) d[1]);
    }
    pendingDirs.clear();
  }

  /**
   * Writes {@code path} (a file, a symlink, or a directory with everything below it) as a tar whose
   * single top entry is {@code name}; {@code out} stays open.
   */
  public static void writeNamed(Path path, String name, OutputStream out) throws IOException {
    if (name.isEmpty() || name.contains("/") || name.equals("..") || name.equals(".")) {
      throw new IllegalArgumentException("tar entry name " + name + " is not a plain name");
    }
    TreeTar t = new TreeTar(path);
    t.open(out);
    t.entry(path, name);
    t.finish();
  }

  /**
   * Writes the entries below directory {@code dir}, each at the top of the tar; {@code out} stays
   * open.
   */
  public static void writeChildren(Path dir, OutputStream out) throws IOException {
    TreeTar t = new TreeTar(dir);
    t.open(out);
    for (Path child : t.children(dir)) {
      t.entry(child, child.getFileName().toString());
    }
    t.finish();
  }

  /**
   * Writes the entries below directory {@code dir} in the server's canonical layer form: names from
   * the top without {@code ./}, no entry for the directory itself, UTF-8 names, 512-byte blocking
   * (no padding to a 10 KiB record). For the same tree this is the tar the server describes the
   * layer by, so it can hash the stream as it arrives instead of reading the tree back; {@code out}
   * stays open.
   */
  public static void writeLayer(Path dir, OutputStream out) throws IOException {
    TreeTar t = new TreeTar(dir);
    t.tar = layerStream(out);
    for (Path child : t.children(dir)) {
      t.entry(child, child.getFileName().toString());
    }
    t.finish();
  }

  /**
   * The tar stream of {@link #writeLayer}: UTF-8 names, 512-byte blocking, PAX for long names and
   * large numbers. {@link LayerTarRewrite} writes through the same, so that both give the server's
   * canonical form byte for byte.
   */
  static TarArchiveOutputStream layerStream(OutputStream out) {
    TarArchiveOutputStream tar =
        new TarArchiveOutputStream(out, TarConstants.DEFAULT_RCDSIZE, "UTF-8");
    PaxHeader.useForLongValues(tar);
    return tar;
  }

  /**
   * Sets what every entry records besides its type: the permission bits (setuid, setgid and sticky
   * included), the numeric owner and the modification time in whole seconds.
   */
  static void setAttributes(TarArchiveEntry e, int mode, long uid, long gid, long mtimeMillis) {
    // no uname, as the server's canonical layer tar (and containerd's, moby's) has none:
    // commons-compress would write this process's user.name, and the server read the tree back
    e.setUserName("");
    e.setMode(mode & 07777);
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(FileTime.fromMillis(Math.floorDiv(mtimeMillis, 1000) * 1000));
  }

  private void run(OutputStream out) throws IOException {
    open(out);
    walk(root, "./");
    finish();
  }

  private void open(OutputStream out) {
    tar = new TarArchiveOutputStream(out, "UTF-8"); // not the platform's charset
    PaxHeader.useForLongValues(tar);
  }

  private void finish() throws IOException {
    tar.finish(); // not close(): the caller's stream stays open
    tar.flush();
  }

  /** Adds {@code path} as {@code name}: a directory with everything below it, else one entry. */
  private void entry(Path path, String name) throws IOException {
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      walk(path, name + "/");
    } else {
      add(path, name);
    }
  }

  /**
   * The entries of {@code dir}, sorted by name; a name that is not valid UTF-8 is refused ({@link
   * ClientNames}), so every name taken as a string below is the file's own.
   */
  private List<Path> children(Path dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
      for (Path child : list) {
        ClientNames.HOST.name(root, child);
        children.add(child);
      }
    }
    children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    return children;
  }

  private void walk(Path dir, String name) throws IOException {
    add(dir, name);
    for (Path child : children(dir)) {
      entry(child, name + child.getFileName());
    }
  }

  /** The major number of a {@code st_rdev} as glibc encodes it ({@code gnu_dev_major}). */
  static int major(long dev) {
    return (int) (((dev >>> 8) & 0xFFFL) | ((dev >>> 32) & 0xFFFFF000L));
  }

  /** The minor number of a {@code st_rdev} ({@code gnu_dev_minor}). */
  static int minor(long dev) {
    return (int) ((dev & 0xFFL) | ((dev >>> 12) & 0xFFFFFF00L));
  }

  private void add(Path file, String name) throws IOException {
    Map<String, Object> a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    TarArchiveEntry e;
    boolean content = false;
    switch (mode & 0170000) {
      case 0040000 -> e = new TarArchiveEntry(name, TarConstants.LF_DIR);
      case 0120000 -> {
        e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(ClientNames.HOST.linkTarget(root, file, Files.readSymbolicLink(file)));
      }
      case 0100000, 0010000, 0020000, 0060000 -> {
        Object inode = List.of(a.get("dev"), a.get("ino"));
        String first = (Integer) a.get("nlink") > 1 ? inodes.putIfAbsent(inode, name) : null;
        if (first != null) {
          e = new TarArchiveEntry(name, TarConstants.LF_LINK);
          e.setLinkName(first);
        } else if ((mode & 0170000) == 0100000) {
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize((Long) a.get("size"));
          content = true;
        } else if ((mode & 0170000) == 0010000) {
          e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
        } else {
          boolean chr = (mode & 0170000) == 0020000;
          e = new TarArchiveEntry(name, chr ? TarConstants.LF_CHR : TarConstants.LF_BLK);
          long rdev = (Long) a.get("rdev");
          e.setDevMajor(major(rdev));
          e.setDevMinor(minor(rdev));
        }
      }
      case 0140000 -> {
        return; // a socket: made by the program that listens on it, never archived
      }
      default ->
          throw new IOException(
              "file " + file + " has type " + Integer.toOctalString(mode & 0170000) + ", unknown");
    }
    setAttributes(
        e,
        mode,
        ((Number) a.get("uid")).longValue(),
        ((Number) a.get("gid")).longValue(),
        ((FileTime) a.get("lastModifiedTime")).toMillis());
    Map<String, byte[]> x = xattrsOf(file);
    if (x.isEmpty()) {
      tar.putArchiveEntry(e);
    } else {
      putWithXattrs(tar, e, x);
    }
    if (content) {
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        while ((n = in.read(copyBuffer)) >= 0) {
          tar.write(copyBuffer, 0, n);
        }
      }
    }
    tar.closeArchiveEntry();
  }

  /** The extended attributes of {@code file}, a path below {@link #root} (or it). */
  private Map<String, byte[]> xattrsOf(Path file) throws IOException {
    if (xattrs == null) {
      xattrs = openXattrs();
      rootBytes = HostXattrs.bytes(root);
    }
    return xattrs.read(
        HostXattrs.bytes(rootBytes, root, file),
        () -> "file " + HostNames.shown(file.toAbsolutePath()));
  }

  /** A reader and setter of this host's extended attributes (one per walk). */
  static HostXattrs openXattrs() throws IOException {
    try {
      return HostXattrs.open();
    } catch (LinkageError e) {
      throw new IOException(
          "extended attributes: the C library to read and set them could not be loaded: " + e);
    }
  }

  /**
   * Writes {@code e} after a PAX header that holds {@code xattrs} byte for byte, and with them
   * every value the ustar header cannot hold, exactly as the server's {@code LayerTarWriter} does
   * ({@link PaxHeader#forEntry}): commons-compress would write those in a second PAX header (a
   * reader keeps only the last one before an entry), and its PAX values are UTF-8 text, which
   * mangles binary attributes.
   */
  static void putWithXattrs(TarArchiveOutputStream tar, TarArchiveEntry e, Map<String, byte[]> x)
      throws IOException {
    PaxHeader pax = PaxHeader.forEntry(e);
    // sorted by name (x is a TreeMap), as the server sorts them
    for (Map.Entry<String, byte[]> a : x.entrySet()) {
      pax.addXattr(a.getKey(), a.getValue());
    }
    pax.putWith(tar, e);
  }
}

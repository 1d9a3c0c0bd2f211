package io.strata.store.image.layer;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;

/**
 * Applies tar entries to a writable snapshot with the OCI changeset rules: {@code .wh.NAME} removes
 * NAME of the lower layers, {@code .wh..wh..opq} hides everything the lower layers had in its
 * directory whatever the entry order, a non-directory replaces what was there, a directory over a
 * directory only takes new attributes. What this layer added is tracked, so whiteouts never remove
 * it. Character and block devices ({@code '3'}, {@code '4'}, with their major and minor) and FIFOs
 * ({@code '6'}) become nodes of the tree ({@link FileSystemView#mknod}). Sparse files (GNU and PAX
 * formats) keep their holes as nothing stored. Names with {@code ..} or absolute names and links
 * leaving the root are refused, naming the entry.
 */
final class LayerApplier {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  private static final String XATTR = "SCHILY.xattr.";
  private static final int MAX_SYMLINK_HOPS = 40;

  /** Called before a path this layer may have written is replaced or removed, with the path. */
  interface Replacing {
    void before(String path) throws IOException;
  }

  private final FileSystemView fs;
  private final String prefix;
  private final Replacing replacing;

  /**
   * The paths this layer added, so its whiteouts keep them; null on an empty tree, where everything
   * was added by this layer and a whiteout has nothing to hide. A set of every path of the layer is
   * the applier's only memory that grows with the layer, so a layer imported alone (a plain tar, a
   * directory: 100,000 files and more) does not keep it.
   */
  private final TreeSet<String> added;

  private final List<Object[]> dirTimes = new ArrayList<>();
  private Supplier<Map<String, byte[]>> exactXattrs = Map::of;

  /**
   * The directory the last entry's parent check found (a tar lists a directory's entries together,
   * so most entries have the same); forgotten when anything is removed or replaced.
   */
  private String checkedParent;

  LayerApplier(FileSystemView fs, String prefix, Replacing replacing) {
    this(fs, prefix, replacing, new TreeSet<>());
  }

  private LayerApplier(
      FileSystemView fs, String prefix, Replacing replacing, TreeSet<String> added) {
    this.fs = fs;
    this.prefix = prefix;
    this.replacing = replacing;
    this.added = added;
  }

  /** An applier for a layer with no lower layers: {@code fs} is empty. */
  static LayerApplier onEmptyTree(FileSystemView fs, Replacing replacing) {
    return new LayerApplier(fs, "/", replacing, null);
  }

  private void added(String path) {
    if (added != null) {
      added.add(path);
    }
  }

  /**
   * Applies {@code e}; {@code content} yields its data. Returns the path whose content was stored
   * from {@code content} (a regular file), else null.
   */
  String apply(TarArchiveEntry e, InputStream content) throws IOException {
    return apply(e, content, Map::of);
  }

  /**
   * As {@link #apply(TarArchiveEntry, InputStream)}, with {@code exactXattrs} giving the entry's
   * xattr values as its PAX header holds them byte for byte ({@link
   * io.strata.files.pax.PaxXattrs}); they win over the parser's UTF-8 decoding, which mangles
   * binary values, and hold the empty ones it drops.
   */
  String apply(TarArchiveEntry e, InputStream content, Supplier<Map<String, byte[]>> exactXattrs)
      throws IOException {
    this.exactXattrs = exactXattrs;
    String entry = e.getName();
    String path = EntryPath.of(entry, prefix);
    try {
      return applyAt(e, content, entry, path);
    } catch (NotFoundException missing) {
      // what the tar names is missing (parent() finds the usual causes first): the input's fault
      throw refuse(entry, missing.getMessage());
    }
  }

  private String applyAt(TarArchiveEntry e, InputStream content, String entry, String path)
      throws IOException {
    if (e.isStarSparse()) {
      throw refuse(entry, "star's sparse format is not supported (GNU and PAX sparse files are)");
    }
    String name = EntryPath.name(path);
    if (name.startsWith(WHITEOUT)) {
      String dir = EntryPath.parent(path);
      if (name.equals(OPAQUE)) {
        if (!fs.exists(dir)) {
          fs.mkdirs(dir, 0755);
          added(dir);
        }
        for (DirEntry c : fs.list(dir)) {
          hideLower(EntryPath.join(dir, c.name()));
        }
      } else if (!name.startsWith(WHITEOUT + WHITEOUT)) { // .wh..wh.* other than opq: aufs meta
        String hidden = name.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
          throw refuse(entry, "whiteout names no file");
        }
        hideLower(EntryPath.join(dir, hidden));
      }
      return null;
    }
    int uid = id(entry, e.getLongUserId());
    int gid = id(entry, e.getLongGroupId());
    long mtime = nanos(e.getLastModifiedTime());
    if (e.isDirectory()) {
      FileStat st = statOrNull(path);
      if (st != null && !st.isDirectory()) {
        replace(path);
        st = null;
      }
      if (st == null) {
        parent(entry, path);
        fs.mkdir(path, e.getMode() & 07777);
      } else {
        fs.chmod(path, e.getMode() & 07777);
      }
      fs.chown(path, uid, gid);
      xattrs(entry, path, e.getExtraPaxHeaders());
      dirTimes.add(new Object[] {path, mtime});
      added(path);
      return null;
    }
    if (path.equals("/")) {
      throw refuse(entry, "the root must be a directory");
    }
    parent(entry, path);
    if (fs.exists(path)) {
      replace(path);
    }
    added(path);
    if (e.isSymbolicLink()) {
      EntryPath.checkSymlink(entry, path, e.getLinkName());
      fs.symlink(e.getLinkName(), path);
      fs.chown(path, uid, gid);
      fs.setTimes(path, mtime, mtime);
      return null;
    }
    if (e.isLink()) {
      String target;
      try {
        target = EntryPath.of(e.getLinkName(), prefix);
      } catch (InvalidArgumentException bad) {
        throw refuse(entry, "hard link target " + e.getLinkName() + " leaves the image root");
      }
      FileStat st = statOrNull(target);
      if (st == null || st.isDirectory()) {
        throw refuse(entry, "hard link target " + e.getLinkName() + " is missing or a directory");
      }
      fs.link(target, path);
      return null;
    }
    if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
      fs.mknod(path, nodeType(e) | (e.getMode() & 07777), deviceNumber(entry, e));
      fs.chown(path, uid, gid);
      xattrs(entry, path, e.getExtraPaxHeaders());
      fs.setTimes(path, mtime, mtime);
      return null;
    }
    if (!e.isFile()) {
      throw refuse(entry, "entry type '" + (char) e.getLinkFlag() + "' is not supported");
    }
    if (e.isSparse()) {
      fs.writeFile(path, InputStream.nullInputStream(), e.getMode() & 07777, uid, gid, mtime);
      writeSparse(entry, path, e, content);
      fs.setTimes(path, mtime, mtime);
    } else {
      fs.writeFile(path, content, e.getMode() & 07777, uid, gid, mtime);
    }
    xattrs(entry, path, e.getExtraPaxHeaders());
    return path;
  }

  /**
   * The data ranges of a sparse entry (GNU old, PAX 0.0, 0.1 and 1.0 formats): {@code content}
   * yields the whole file, holes as zeros, and only the ranges the sparse map lists are written, so
   * holes are stored as nothing.
   */
  private void writeSparse(String entry, String path, TarArchiveEntry e, InputStream content)
      throws IOException {
    byte[] buf = new byte[64 << 10];
    long pos = 0;
    for (TarArchiveStructSparse range : sparseMap(entry, e)) {
      discard(content, range.getOffset() - pos, buf);
      long at = range.getOffset();
      long left = range.getNumbytes();
      while (left > 0) {
        int n = content.readNBytes(buf, 0, (int) Math.min(buf.length, left));
        if (n <= 0) {
          throw refuse(entry, "sparse data ends before its map says");
        }
        fs.write(path, at, buf, 0, n);
        at += n;
        left -= n;
      }
      pos = at;
    }
    discard(content, e.getRealSize() - pos, buf);
    fs.truncate(path, e.getRealSize());
  }

  /** Reads past {@code n} bytes of a hole (zeros the parser makes up, not bytes of the tar). */
  private static void discard(InputStream in, long n, byte[] buf) throws IOException {
    while (n > 0) {
      int got = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (got < 0) {
        throw new java.io.EOFException("sparse file ends early");
      }
      n -= got;
    }
  }

  /** A sparse entry's data ranges by offset, checked: in order, not overlapping, within size. */
  static List<TarArchiveStructSparse> sparseMap(String entry, TarArchiveEntry e)
      throws IOException {
    List<TarArchiveStructSparse> map = e.getOrderedSparseHeaders();
    long end = 0;
    for (TarArchiveStructSparse r : map) {
      if (r.getOffset() < end
          || r.getNumbytes() < 0
          || r.getOffset() + r.getNumbytes() > e.getRealSize()) {
        throw refuse(entry, "sparse map has a bad range at offset " + r.getOffset());
      }
      end = r.getOffset() + r.getNumbytes();
    }
    return map;
  }

  /** Sets the directories' times last, since adding entries changed them. */
  void finish() throws IOException {
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      String p = (String) dirTimes.get(i)[0];
      FileStat st = statOrNull(p);
      if (st != null && st.isDirectory()) {
        long t = (Long) dirTimes.get(i)[1];
        fs.setTimes(p, t, t);
      }
    }
    dirTimes.clear();
    if (added != null) {
      added.clear();
    }
  }

  /** Removes what the lower layers have at {@code p}, keeping what this layer added. */
  private void hideLower(String p) throws IOException {
    checkedParent = null;
    if (added == null) {
      return; // no lower layers: everything here is this layer's
    }
    FileStat st = statOrNull(p);
    if (st == null) {
      return;
    }
    String below = added.ceiling(p + "/");
    boolean addedHere = added.contains(p) || (below != null && below.startsWith(p + "/"));
    if (!addedHere) {
      fs.remove(p, true);
    } else if (st.isDirectory()) {
      for (DirEntry c : fs.list(p)) {
        hideLower(EntryPath.join(p, c.name()));
      }
    }
  }

  private void replace(String path) throws IOException {
    checkedParent = null;
    replacing.before(path);
    fs.remove(path, true);
    if (added == null) {
      return;
    }
    String below = added.ceiling(path + "/");
    while (below != null && below.startsWith(path + "/")) {
      added.remove(below);
      below = added.ceiling(path + "/");
    }
  }

  private void parent(String entry, String path) throws IOException {
    String dir = EntryPath.parent(path);
    if (dir.equals(checkedParent)) {
      return;
    }
    FileStat st;
    try {
      st = statOrNull(dir);
    } catch (NotFoundException missing) {
      st = null; // an ancestor leads nowhere: the walk below says which
    }
    if (st == null || !st.isDirectory()) {
      checkWay(entry, dir);
      if (statOrNull(dir) == null) {
        fs.mkdirs(dir, 0755);
      }
    }
    checkedParent = dir;
  }

  /**
   * Refuses entry {@code entry} unless every existing directory on the way to {@code dir}, from the
   * top, is a directory or a symlink leading to one. Symlinks resolve inside the tree, so one to
   * {@code /tmp} leads nowhere in a layer without {@code /tmp}: the entry could not be placed, and
   * the lookup's "not found" would blame the store. Only reads, since a failed change rolls back
   * the layer's pending changes and with them what the message would name.
   */
  private void checkWay(String entry, String dir) throws IOException {
    String at = "/";
    for (String name : dir.split("/")) {
      if (name.isEmpty()) {
        continue;
      }
      String next = EntryPath.join(at, name);
      FileStat st = statOrNull(next); // at is a directory, or a symlink leading to one
      if (st == null) {
        return; // missing from here down: made as directories
      }
      if (st.isSymlink()) {
        if (!leadsToDirectory(next, 0)) {
          throw refuse(
              entry,
              "its parent "
                  + next
                  + " is a symlink to "
                  + fs.readlink(next)
                  + ", which leads to no directory of the layer");
        }
      } else if (!st.isDirectory()) {
        throw refuse(entry, "its parent " + next + " is not a directory");
      }
      at = next;
    }
  }

  private void xattrs(String entry, String path, Map<String, String> pax) throws IOException {
    // The parser drops a PAX record with an empty value (POSIX: it unsets the keyword), but an
    // empty xattr is an attribute (a flag), and GNU tar and Go keep it: the header's own bytes
    // say which records there were.
    Map<String, byte[]> exact = exactXattrs.get();
    Map<String, byte[]> values = new TreeMap<>();
    for (Map.Entry<String, String> x : pax.entrySet()) {
      if (x.getKey().startsWith(XATTR)) {
        values.put(
            x.getKey().substring(XATTR.length()), x.getValue().getBytes(StandardCharsets.UTF_8));
      }
    }
    values.putAll(exact);
    for (Map.Entry<String, byte[]> x : values.entrySet()) {
      if (x.getKey().isEmpty()) {
        throw refuse(entry, "PAX record " + XATTR + " names no extended attribute");
      }
      try {
        fs.setXattr(path, x.getKey(), x.getValue());
      } catch (InvalidArgumentException bad) {
        throw refuse(entry, bad.getMessage());
      }
    }
  }

  /** Whether the symlink at {@code link} resolves, inside the tree, to a directory. */
  private boolean leadsToDirectory(String link, int hops) throws IOException {
    if (hops >= MAX_SYMLINK_HOPS) {
      return false;
    }
    String target = fs.readlink(link);
    ArrayDeque<String> names = new ArrayDeque<>();
    String from = target.startsWith("/") ? target : EntryPath.parent(link) + "/" + target;
    for (String n : from.split("/")) {
      if (n.equals("..")) {
        names.pollLast(); // never above the root
      } else if (!n.isEmpty() && !n.equals(".")) {
        names.addLast(n);
      }
    }
    String resolved = "/" + String.join("/", names);
    FileStat st;
    try {
      st = statOrNull(resolved);
    } catch (NotFoundException | InvalidArgumentException nowhere) {
      return false;
    }
    if (st != null && st.isSymlink()) {
      return leadsToDirectory(resolved, hops + 1);
    }
    return st != null && st.isDirectory();
  }

  private static int nodeType(TarArchiveEntry e) {
    return e.isFIFO()
        ? FileStat.S_IFIFO
        : e.isCharacterDevice() ? FileStat.S_IFCHR : FileStat.S_IFBLK;
  }

  /** A device entry's number from its devmajor and devminor (0 for a FIFO, whose are unused). */
  private static long deviceNumber(String entry, TarArchiveEntry e) {
    if (e.isFIFO()) {
      return 0;
    }
    int major = e.getDevMajor();
    int minor = e.getDevMinor();
    if (major < 0 || minor < 0) {
      throw refuse(entry, "device number " + major + ":" + minor + " is out of range");
    }
    return FileStat.makedev(major, minor);
  }

  private FileStat statOrNull(String p) throws IOException {
    return fs.exists(p) ? fs.stat(p) : null;
  }

  private static int id(String entry, long id) {
    if (id < 0 || id > Integer.MAX_VALUE) {
      throw refuse(entry, "owner id " + id + " is out of range");
    }
    return (int) id;
  }

  static long nanos(FileTime t) {
    return t == null ? 0 : t.to(TimeUnit.NANOSECONDS);
  }

  static InvalidArgumentException refuse(String entry, String why) {
    return new InvalidArgumentException("layer entry " + entry + ": " + why);
  }
}

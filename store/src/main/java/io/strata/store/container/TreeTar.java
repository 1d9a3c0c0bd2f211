package io.strata.store.container;

import io.strata.store.driver.Change;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Tars of a container's files, streamed: a whole tree ({@code export}, {@code cp} out), a change
 * set with OCI whiteouts ({@code commit}), and the reverse, a tar unpacked into a container ({@code
 * cp} in). Entries carry mode, owner, whole-second mtime, symlink targets, hard links within the
 * tar and extended attributes ({@code SCHILY.xattr.*}); names use PAX where ustar cannot hold them.
 */
final class TreeTar {
  private static final String WHITEOUT = ".wh.";
  private static final String XATTR = "SCHILY.xattr.";

  private final TarArchiveOutputStream tar;
  private final FileSystemView fs;
  private final Map<Long, String> linked = new HashMap<>();

  private TreeTar(FileSystemView fs, OutputStream out) {
    this.fs = fs;
    this.tar = new TarArchiveOutputStream(out, TarConstants.DEFAULT_RCDSIZE, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  /**
   * Writes {@code path} of {@code fs} (a directory with everything under it) to {@code out}, its
   * entry named {@code name}; an empty name leaves the directory itself out and names its content
   * from the top ({@code etc/}, {@code etc/hosts}).
   */
  static void tree(FileSystemView fs, String path, String name, OutputStream out)
      throws IOException {
    TreeTar t = new TreeTar(fs, out);
    t.walk(path, name);
    t.tar.finish();
    t.tar.flush();
  }

  /**
   * Writes {@code changes} of {@code fs} as an OCI layer: added and changed paths as entries,
   * deleted ones as {@code .wh.NAME} whiteouts (once per deleted tree). The root directory comes
   * first, so even an empty change set is a tar with one entry.
   */
  static void changes(FileSystemView fs, List<Change> changes, OutputStream out)
      throws IOException {
    TreeTar t = new TreeTar(fs, out);
    t.entry("/", "./");
    String deletedTree = null;
    for (Change c : changes) {
      String p = c.path();
      if (deletedTree != null && p.startsWith(deletedTree)) {
        continue;
      }
      if (c.kind() == 'D') {
        deletedTree = p + "/";
        int slash = p.lastIndexOf('/');
        String wh = p.substring(1, slash + 1) + WHITEOUT + p.substring(slash + 1);
        TarArchiveEntry e = new TarArchiveEntry(wh, TarConstants.LF_NORMAL);
        e.setMode(0600);
        e.setModTime(0);
        t.tar.putArchiveEntry(e);
        t.tar.closeArchiveEntry();
      } else {
        deletedTree = null;
        t.entry(p, p.substring(1));
      }
    }
    t.tar.finish();
    t.tar.flush();
  }

  private void walk(String path, String name) throws IOException {
    FileStat st = fs.stat(path);
    if (!name.isEmpty()) {
      entry(path, st, name);
    }
    if (st.isDirectory()) {
      for (DirEntry d : fs.list(path)) {
        String child = path.equals("/") ? "/" + d.name() : path + "/" + d.name();
        walk(child, name.isEmpty() ? d.name() : name + "/" + d.name());
      }
    }
  }

  private void entry(String path, String name) throws IOException {
    entry(path, fs.stat(path), name);
  }

  private void entry(String path, FileStat st, String name) throws IOException {
    TarArchiveEntry e;
    if (st.isDirectory()) {
      e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    } else if (st.isSymlink()) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(st.linkTarget());
    } else if (st.isRegular() && st.nlink() > 1 && linked.containsKey(st.ino())) {
      e = new TarArchiveEntry(name, TarConstants.LF_LINK);
      e.setLinkName(linked.get(st.ino()));
    } else if (st.isRegular()) {
      e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
      e.setSize(st.size());
      if (st.nlink() > 1) {
        linked.put(st.ino(), name);
      }
    } else {
      throw new InvalidArgumentException(
          path + ": file type " + Integer.toOctalString(st.mode()) + " cannot be archived");
    }
    e.setMode(st.permissions());
    e.setUserId(st.uid());
    e.setGroupId(st.gid());
    e.setModTime(Math.floorDiv(st.mtimeNanos(), 1_000_000_000L) * 1000);
    for (String x : fs.listXattrs(path)) {
      e.addPaxHeader(XATTR + x, new String(fs.getXattr(path, x), StandardCharsets.UTF_8));
    }
    tar.putArchiveEntry(e);
    if (e.getLinkFlag() == TarConstants.LF_NORMAL && st.size() > 0) {
      long left = st.size();
      byte[] buf = new byte[64 << 10];
      try (InputStream in = fs.open(path)) {
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException(path + " ended before its size " + st.size());
          }
          tar.write(buf, 0, n);
          left -= n;
        }
      }
    }
    tar.closeArchiveEntry();
  }

  /**
   * Unpacks {@code in} into directory {@code dir} of {@code fs}, as {@code docker cp} does; with
   * {@code rename} not null, the tar's top-level name becomes {@code rename} (copying to a path
   * that does not exist yet). Directories, regular files, symlinks and hard links within the tar;
   * names that are absolute or hold {@code ..} and other entry types are refused.
   */
  static void extract(FileSystemView fs, InputStream in, String dir, String rename)
      throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry e;
    while ((e = next(tar)) != null) {
      String path = place(e.getName(), dir, rename);
      long mtime = e.getLastModifiedTime().to(TimeUnit.NANOSECONDS);
      int mode = e.getMode() & 07777;
      if (e.isDirectory()) {
        if (!fs.exists(path)) {
          fs.mkdirs(path, mode);
        } else {
          fs.chmod(path, mode);
        }
        continue;
      }
      if (fs.exists(path) && !fs.stat(path).isDirectory()) {
        fs.remove(path, false);
      }
      if (e.isSymbolicLink()) {
        fs.symlink(e.getLinkName(), path);
      } else if (e.isLink()) {
        fs.link(place(e.getLinkName(), dir, rename), path);
      } else if (e.isFile()) {
        fs.writeFile(path, tar, mode, (int) e.getLongUserId(), (int) e.getLongGroupId(), mtime);
      } else {
        throw new InvalidArgumentException(
            "tar entry " + e.getName() + ": only directories, files and links can be copied in");
      }
    }
  }

  private static TarArchiveEntry next(TarArchiveInputStream tar) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidArgumentException("truncated or corrupt tar (" + e.getMessage() + ")", e);
    }
  }

  /** The container path of entry {@code name} unpacked in {@code dir}, top renamed to rename. */
  private static String place(String name, String dir, String rename) {
    if (name.startsWith("/")) {
      throw new InvalidArgumentException("tar entry " + name + ": absolute names are refused");
    }
    StringBuilder out = new StringBuilder(dir.equals("/") ? "" : dir);
    boolean top = true;
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidArgumentException("tar entry " + name + ": '..' is refused");
      }
      out.append('/').append(top && rename != null ? rename : part);
      top = false;
    }
    return out.length() == 0 ? "/" : out.toString();
  }
}

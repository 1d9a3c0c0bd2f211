package io.strata.store.image.layer;

import io.strata.files.pax.PaxHeader;
import io.strata.store.driver.Change;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes files of a {@link FileSystemView} as the entries of a layer tar, in the one form Strata
 * gives every tar it makes from a tree: canonical layers ({@link CanonicalTar}), and a container's
 * export, {@code cp} out and commit. Entries carry mode, owner (ids, no names), whole-second mtime,
 * symlink targets, hard links within the tar (as link entries to the first name written) and
 * extended attributes ({@code SCHILY.xattr.*}); PAX headers appear only where ustar cannot hold a
 * value. Character and block devices ({@code '3'}, {@code '4'}, with devmajor and devminor) and
 * FIFOs ({@code '6'}) are entries without content; a name of a device or FIFO with other links is a
 * link entry, as for a regular file. Sockets are left out, as Docker and GNU tar leave them out: a
 * socket is made by the program that listens on it. Deletions are OCI {@code .wh.NAME} whiteouts.
 * The tar streams, file content is never held whole.
 */
public final class LayerTarWriter {
  private static final byte[] ZEROS = new byte[64 << 10];

  /**
   * The uname of the headers of a writer given none: empty, as containerd and moby write layers
   * (their {@code FileInfoHeaderNoLookups}), so a layer's digest does not depend on who runs the
   * server, and a client running as another user sends the canonical tar itself. Layers made by
   * releases before this one named the server's {@code user.name} (commons-compress's default);
   * their tar-splits keep that name ({@link CanonicalSplit}), so they regenerate unchanged.
   */
  static final String DEFAULT_USER_NAME = "";

  /** Told where file content starts in the stream, right before its bytes are written. */
  interface ContentStart {
    void before(String path, long size);
  }

  private final FileSystemView fs;
  private final TarArchiveOutputStream tar;
  private final ContentStart contentStart;
  private final Map<Long, String> linked = new HashMap<>();
  private final boolean readContent;
  private final String userName;
  private final Set<String> hidingBelow =
      new HashSet<>(); // paths that hide whatever was under them
  private final byte[] buf = new byte[64 << 10];

  /** A writer of entries of {@code fs}'s files to {@code out}; call {@link #finish} at the end. */
  public LayerTarWriter(FileSystemView fs, OutputStream out) {
    this(fs, out, (path, size) -> {}, true);
  }

  /**
   * A writer that tells {@code contentStart} where each file's content starts. Without {@code
   * readContent} no file is opened and content is written as zeros: for a caller that keeps only
   * where content goes ({@link CanonicalTar#describe}).
   */
  LayerTarWriter(
      FileSystemView fs, OutputStream out, ContentStart contentStart, boolean readContent) {
    this(fs, out, contentStart, readContent, DEFAULT_USER_NAME);
  }

  /**
   * As above, with {@code userName} in every header's uname field: a tar-split that regenerates a
   * canonical tar from its tree ({@link CanonicalSplit}) names the user its import wrote, whoever
   * runs the server now.
   */
  LayerTarWriter(
      FileSystemView fs,
      OutputStream out,
      ContentStart contentStart,
      boolean readContent,
      String userName) {
    this.fs = fs;
    this.contentStart = contentStart;
    this.readContent = readContent;
    this.userName = userName;
    this.tar = new TarArchiveOutputStream(out, TarConstants.DEFAULT_RCDSIZE, "UTF-8");
    PaxHeader.useForLongValues(tar);
  }

  /** Writes the file at {@code path} as entry {@code name} (a directory's gets a final slash). */
  public void entry(String path, String name) throws IOException {
    entry(path, fs.stat(path), name);
  }

  /** {@link #entry(String, String)} for a file already {@code stat}ed. */
  public void entry(String path, FileStat st, String name) throws IOException {
    TarArchiveEntry e;
    boolean node = st.isFifo() || st.isCharDevice() || st.isBlockDevice();
    if (st.isSocket()) {
      return;
    } else if (st.isDirectory()) {
      e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    } else if (st.isSymlink()) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(st.linkTarget());
    } else if ((st.isRegular() || node) && st.nlink() > 1 && linked.containsKey(st.ino())) {
      e = new TarArchiveEntry(name, TarConstants.LF_LINK);
      e.setLinkName(linked.get(st.ino()));
    } else if (st.isRegular() || node) {
      if (st.isRegular()) {
        e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setSize(st.size());
      } else {
        e =
            new TarArchiveEntry(
                name,
                st.isFifo()
                    ? TarConstants.LF_FIFO
                    : st.isCharDevice() ? TarConstants.LF_CHR : TarConstants.LF_BLK);
        if (!st.isFifo()) {
          e.setDevMajor(st.devMajor());
          e.setDevMinor(st.devMinor());
        }
      }
      if (st.nlink() > 1) {
        linked.put(st.ino(), name);
      }
    } else {
      throw new InvalidArgumentException(
          "file " + path + " of type " + Integer.toOctalString(st.mode()) + " cannot be archived");
    }
    e.setUserName(userName);
    e.setMode(st.permissions());
    e.setUserId(st.uid());
    e.setGroupId(st.gid());
    e.setModTime(Math.floorDiv(st.mtimeNanos(), 1_000_000_000L) * 1000);
    List<String> xattrs = fs.listXattrs(path);
    if (xattrs.isEmpty()) {
      tar.putArchiveEntry(e);
    } else {
      putWithXattrs(e, path, xattrs);
    }
    if (e.getLinkFlag() == TarConstants.LF_NORMAL && st.size() > 0) {
      contentStart.before(path, st.size());
      if (!readContent) {
        for (long left = st.size(); left > 0; left -= Math.min(ZEROS.length, left)) {
          tar.write(ZEROS, 0, (int) Math.min(ZEROS.length, left));
        }
        tar.closeArchiveEntry();
        return;
      }
      try (InputStream in = fs.open(path)) {
        long left = st.size();
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("file " + path + " ended before its size " + st.size());
          }
          tar.write(buf, 0, n);
          left -= n;
        }
      }
    }
    tar.closeArchiveEntry();
  }

  /**
   * Writes {@code e} after a PAX header of our own that holds its xattrs byte for byte, and with
   * them every value the ustar header cannot hold ({@link PaxHeader#forEntry}).
   */
  private void putWithXattrs(TarArchiveEntry e, String path, List<String> xattrs)
      throws IOException {
    PaxHeader pax = PaxHeader.forEntry(e);
    for (String x : xattrs.stream().sorted().toList()) {
      pax.addXattr(x, fs.getXattr(path, x));
    }
    pax.putWith(tar, e);
  }

  /**
   * Writes {@code changes} (a driver's diff, sorted by path) as an OCI changeset: added and changed
   * paths as entries named without the leading slash, deleted ones as {@code .wh.NAME} whiteouts.
   * Under a deleted tree, or a directory replaced by a file or symlink, nothing more is written:
   * the whiteout or entry at its top hides what was below already.
   */
  public void changes(Iterable<Change> changes) throws IOException {
    try {
      write(changes);
    } catch (UncheckedIOException e) {
      throw e.getCause(); // from a lazy listing (io.strata.store.driver.WholeTree)
    }
  }

  private void write(Iterable<Change> changes) throws IOException {
    for (Change c : changes) {
      change(c);
    }
  }

  /**
   * Writes one change of a changeset, as {@link #changes} writes each: changes must come sorted by
   * path, one call each, so that a reader can pull a changeset's tar an entry at a time.
   */
  void change(Change c) throws IOException {
    String path = c.path();
    // The root has no name of its own in a changeset; a caller that wants its entry writes it.
    if (path.equals("/") || isUnder(path, hidingBelow)) {
      return;
    }
    if (c.kind() == 'D') {
      String wh =
          EntryPath.join(EntryPath.parent(path), LayerApplier.WHITEOUT + EntryPath.name(path));
      TarArchiveEntry e = new TarArchiveEntry(wh.substring(1), TarConstants.LF_NORMAL);
      e.setUserName(userName);
      e.setMode(0);
      e.setModTime(0);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      hidingBelow.add(path);
      return;
    }
    FileStat st = fs.stat(path);
    entry(path, st, path.substring(1));
    // Only a changed name can have had something below it (a directory it replaced); an added
    // one had nothing, so a whole-tree listing remembers no path.
    if (c.kind() == 'C' && !st.isDirectory()) {
      hidingBelow.add(path);
    }
  }

  private static boolean isUnder(String path, Set<String> dirs) {
    for (String p = EntryPath.parent(path); !p.equals("/"); p = EntryPath.parent(p)) {
      if (dirs.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /** Ends the tar (its end-of-archive blocks) and flushes it; the stream stays open. */
  public void finish() throws IOException {
    tar.finish();
    tar.flush();
  }
}

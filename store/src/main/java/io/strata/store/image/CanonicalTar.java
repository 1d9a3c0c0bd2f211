package io.strata.store.image;

import io.strata.store.driver.Change;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes the tar of a snapshot's changes in Strata's one canonical form, so that the same tree
 * gives the same diff_id whichever way it arrived (a directory, a tar, a build step): entries in
 * path order, PAX headers only where ustar cannot hold a value, whole-second times, no user or
 * group names, hard links within the layer as link entries, deletions as {@code .wh.} whiteouts.
 * Only the tar-split and the digest are kept: the content stays in the snapshot.
 */
final class CanonicalTar {
  private CanonicalTar() {}

  /**
   * Describes {@code changes} of {@code fs} into {@code split}, hashing the tar into {@code sha}.
   */
  static void write(
      FileSystemView fs, List<Change> changes, TarSplitWriter split, MessageDigest sha)
      throws IOException {
    SplitSink sink = new SplitSink(split, sha);
    Map<Long, String> linked = new HashMap<>();
    byte[] buf = new byte[64 << 10];
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(sink, TarConstants.DEFAULT_RCDSIZE, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      for (Change c : changes) {
        String path = c.path();
        String name = path.substring(1);
        if (c.kind() == 'D') {
          String parent = EntryPath.parent(path);
          String wh = EntryPath.join(parent, LayerApplier.WHITEOUT + EntryPath.name(path));
          TarArchiveEntry e = new TarArchiveEntry(wh.substring(1), TarConstants.LF_NORMAL);
          e.setMode(0);
          e.setModTime(0);
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
          continue;
        }
        FileStat st = fs.stat(path);
        TarArchiveEntry e;
        if (st.isDirectory()) {
          e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
        } else if (st.isSymlink()) {
          e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          e.setLinkName(st.linkTarget());
        } else if (st.isRegular() && st.nlink() > 1 && linked.containsKey(st.ino())) {
          e = new TarArchiveEntry(name, TarConstants.LF_LINK);
          e.setLinkName(linked.get(st.ino()));
        } else {
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize(st.size());
          if (st.nlink() > 1) {
            linked.put(st.ino(), name);
          }
        }
        e.setMode(st.permissions());
        e.setUserId(st.uid());
        e.setGroupId(st.gid());
        e.setModTime(Math.floorDiv(st.mtimeNanos(), 1_000_000_000L) * 1000);
        for (String x : fs.listXattrs(path)) {
          e.addPaxHeader(
              "SCHILY.xattr." + x, new String(fs.getXattr(path, x), StandardCharsets.UTF_8));
        }
        tar.putArchiveEntry(e);
        if (e.getLinkFlag() == TarConstants.LF_NORMAL && st.size() > 0) {
          sink.expectContent(path, st.size());
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
      tar.finish();
    }
  }

  /**
   * Takes the tar's bytes: all are hashed; the {@code size} bytes after {@link #expectContent} are
   * content and go to the split as a file record, everything else as segments.
   */
  private static final class SplitSink extends OutputStream {
    private final TarSplitWriter split;
    private final MessageDigest sha;
    private long contentLeft;

    SplitSink(TarSplitWriter split, MessageDigest sha) {
      this.split = split;
      this.sha = sha;
    }

    void expectContent(String path, long size) {
      split.file(path, size);
      contentLeft = size;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sha.update(b, off, len);
      int content = (int) Math.min(contentLeft, len);
      contentLeft -= content;
      if (len > content) {
        split.segment(b, off + content, len - content);
      }
    }
  }
}

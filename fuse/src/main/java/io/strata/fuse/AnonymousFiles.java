package io.strata.fuse;

import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files of a mount without a name: an {@code O_TMPFILE} file (FUSE_TMPFILE) and a removed file the
 * kernel still holds. Both live in the view under a hidden name ({@link HeldUnlinked}), so that the
 * view's calls by path reach them, while nothing shows them (listings, lookups, diff, commit,
 * export) and the mount removes them when the kernel forgets their node, or at its next start after
 * a crash. The kernel is told they have no link: it refuses {@code linkat} of a removed file and of
 * an {@code O_TMPFILE|O_EXCL} one by that count, and lets an ordinary {@code O_TMPFILE} file be
 * linked once (FUSE_LINK), which gives it its name ({@link #name}).
 */
final class AnonymousFiles {
  /**
   * How an O_TMPFILE file's hidden name starts: apart from those of removed files (PREFIX+node).
   */
  private static final String TMP = HeldUnlinked.PREFIX + "tmp-";

  private final FileSystemView view;
  private final AtomicLong next = new AtomicLong(1);

  AnonymousFiles(FileSystemView view) {
    this.view = view;
  }

  /** A path in the root for a new O_TMPFILE file that no file has, a user's own included. */
  String newPath() throws IOException {
    String p;
    do {
      p = "/" + TMP + next.getAndIncrement();
    } while (view.exists(p));
    return p;
  }

  /** Whether {@code path} is one of them: a hidden, marked file in the root. */
  boolean is(String path) {
    return HeldUnlinked.is(view, path);
  }

  /**
   * {@code s}, the stat of the file at {@code path}, as the kernel is to see it: with no link when
   * the file has no name, as fstat(2) of a removed or O_TMPFILE file answers on any file system.
   */
  FileStat shown(String path, FileStat s) {
    if (s.nlink() != 1 || !HeldUnlinked.named(path) || !is(path)) {
      return s;
    }
    return new FileStat(
        s.ino(),
        s.mode(),
        s.uid(),
        s.gid(),
        0,
        s.size(),
        s.mtimeNanos(),
        s.atimeNanos(),
        s.ctimeNanos(),
        s.linkTarget(),
        s.rdev(),
        s.allocatedBytes());
  }

  /**
   * Gives the hidden file at {@code from} the name {@code to}: moved there and unmarked, so that it
   * is the container's content from now on, with what was written to it (one inode, one file).
   */
  void name(String from, String to) throws IOException {
    if (view.exists(to)) {
      throw new Refusal(Errno.EEXIST);
    }
    view.rename(from, to);
    view.removeXattr(to, HeldUnlinked.MARKER);
  }
}

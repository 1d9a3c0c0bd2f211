package io.strata.store.driver;

import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Every path of a tree as an addition, in the order of a diff against no parent: depth first, each
 * directory's entries in the order the tree lists them. Lazy: it holds the listings of the
 * directories on the path to where it is, never a list of the whole tree, so a layer of 100,000
 * files is described in memory that grows with its depth and widest directory only.
 */
public final class WholeTree implements Iterable<Change> {
  private final FileSystemView fs;

  private WholeTree(FileSystemView fs) {
    this.fs = fs;
  }

  /** The paths of {@code fs}, which must not change while they are iterated. */
  public static WholeTree of(FileSystemView fs) {
    return new WholeTree(fs);
  }

  @Override
  public Iterator<Change> iterator() {
    return new Walk();
  }

  /** One iteration: a stack of directories being listed. */
  private final class Walk implements Iterator<Change> {
    private final Deque<Listing> stack = new ArrayDeque<>();

    Walk() {
      stack.push(new Listing("/", list("/")));
    }

    @Override
    public boolean hasNext() {
      while (!stack.isEmpty() && !stack.peek().entries.hasNext()) {
        stack.pop();
      }
      return !stack.isEmpty();
    }

    @Override
    public Change next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Listing top = stack.peek();
      DirEntry e = top.entries.next();
      String path = top.dir.equals("/") ? "/" + e.name() : top.dir + "/" + e.name();
      if (e.stat().isDirectory()) {
        stack.push(new Listing(path, list(path)));
      }
      return new Change('A', path);
    }

    private List<DirEntry> list(String dir) {
      try {
        return fs.list(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // an Iterator cannot throw it; readers unwrap it
      }
    }
  }

  private record Listing(String dir, Iterator<DirEntry> entries) {
    Listing(String dir, List<DirEntry> entries) {
      this(dir, entries.iterator());
    }
  }
}

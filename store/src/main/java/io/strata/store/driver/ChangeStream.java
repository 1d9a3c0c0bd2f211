package io.strata.store.driver;

import java.io.Closeable;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The changes of a diff, read one at a time in path order, so that a diff of any size is never held
 * in memory at once (docs/ADVERSARIAL.md, G5); to be closed, which frees what it spooled.
 */
public interface ChangeStream extends Iterator<Change>, Closeable {
  /** A stream of the changes of a list. */
  static ChangeStream of(List<Change> changes) {
    Iterator<Change> it = changes.iterator();
    return new ChangeStream() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Change next() {
        if (!it.hasNext()) {
          throw new NoSuchElementException();
        }
        return it.next();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  void close() throws IOException;

  /** A test of a change that may read a file system. */
  @FunctionalInterface
  interface Keep {
    boolean test(Change c) throws IOException;
  }

  /**
   * The changes of {@code in} that {@code keep} keeps, in order (an IOException of {@code keep}
   * comes as an UncheckedIOException); closing it closes {@code in}.
   */
  static ChangeStream filter(ChangeStream in, Keep keep) {
    return new ChangeStream() {
      private Change next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null && in.hasNext()) {
            Change c = in.next();
            if (keep.test(c)) {
              next = c;
            }
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return next != null;
      }

      @Override
      public Change next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Change c = next;
        next = null;
        return c;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }
}

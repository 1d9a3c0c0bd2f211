package io.strata.store.fs;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Lookup's other half: a path to where it leads, name by name from the root. Symlinks met on the
 * way resolve as if the snapshot's root were {@code /} (an absolute target starts again at the
 * root, {@code ..} never climbs above it), so no path leaves the snapshot; more than {@value
 * #MAX_SYMLINK_HOPS} of them is a loop, as Linux's limit.
 *
 * <p>Only reads the tree: runs under {@link TreeFileSystem}'s read lock, or its write lock within a
 * change.
 */
final class PathResolver {
  private static final int MAX_SYMLINK_HOPS = 40;

  private final Directories directories;
  private final Inodes inodes;

  PathResolver(Directories directories, Inodes inodes) {
    this.directories = directories;
    this.inodes = inodes;
  }

  /** Where {@code path} leads; a final symlink is followed only if {@code followLast}. */
  Resolved resolve(String path, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>(PathNames.split(path));
    if (todo.isEmpty()) {
      return new Resolved(Directories.ROOT, "", Directories.ROOT);
    }
    // The directories walked through, so that ".." from a symlink's target goes back the way it
    // came.
    Deque<Long> ancestors = new ArrayDeque<>();
    long cur = Directories.ROOT;
    int hops = 0;
    while (true) {
      String name = todo.poll();
      if (name.equals("..")) {
        cur = ancestors.isEmpty() ? Directories.ROOT : ancestors.pop();
        if (todo.isEmpty()) {
          return new Resolved(ancestors.isEmpty() ? Directories.ROOT : ancestors.peek(), name, cur);
        }
        continue;
      }
      long child = directories.lookup(cur, name);
      boolean last = todo.isEmpty();
      if (child < 0) {
        if (last) {
          inodes.requireDir(cur, path);
          return new Resolved(cur, name, -1);
        }
        throw new NotFoundException("path " + path + " not found");
      }
      Inode in = inodes.get(child);
      if (in.target() != null && (!last || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new InvalidArgumentException("path " + path + ": too many levels of symlinks");
        }
        String target = in.target();
        if (target.startsWith("/")) {
          cur = Directories.ROOT;
          ancestors.clear();
        }
        List<String> parts = new ArrayList<>();
        for (String p : target.split("/")) {
          if (!p.isEmpty() && !p.equals(".")) {
            parts.add(p);
          }
        }
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.push(parts.get(i));
        }
        if (todo.isEmpty()) {
          return new Resolved(Directories.ROOT, "", Directories.ROOT);
        }
        continue;
      }
      if (last) {
        return new Resolved(cur, name, child);
      }
      if (!in.stat(child).isDirectory()) {
        throw new NotFoundException("path " + path + " not found: a component is not a directory");
      }
      ancestors.push(cur);
      cur = child;
    }
  }
}

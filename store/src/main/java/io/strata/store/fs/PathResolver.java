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
 * <p>Consecutive paths mostly share their directory (a tar lists a directory's files together, a
 * tree walk stats a directory's entries in turn), so the directories the last few paths' parents
 * led to are kept and the next path in one of them is one lookup instead of one per component. Each
 * is kept with the tree's {@link Directories#namesGeneration}: adding names never changes where an
 * existing path leads, and whatever else could (a name removed or renamed, a change rolled back)
 * moves it.
 *
 * <p>Only reads the tree: runs under {@link TreeFileSystem}'s read lock, or its write lock within a
 * change; readers racing on the kept directories at worst drop each other's.
 */
final class PathResolver {
  private static final int MAX_SYMLINK_HOPS = 40;

  private final Directories directories;
  private final Inodes inodes;

  /**
   * How many directories are kept: the applier of a tar looks in an entry's directory and its
   * parent in turn.
   */
  private static final int KEPT = 4;

  /** The directory a parent path led to, while the tree's names generation stays {@code at}. */
  private record KeptDirectory(long at, String path, long ino) {}

  /** The directories parent paths led to last, newest first; replaced whole, never changed. */
  private volatile KeptDirectory[] kept = new KeptDirectory[0];

  PathResolver(Directories directories, Inodes inodes) {
    this.directories = directories;
    this.inodes = inodes;
  }

  /** Where {@code path} leads; a final symlink is followed only if {@code followLast}. */
  Resolved resolve(String path, boolean followLast) {
    List<String> names = PathNames.split(path);
    if (names.size() < 2) {
      return walk(path, names, followLast);
    }
    String name = names.get(names.size() - 1);
    List<String> parentNames = names.subList(0, names.size() - 1);
    String parentPath = String.join("/", parentNames);
    long generation = directories.namesGeneration();
    long dir = keptDirectory(generation, parentPath);
    if (dir < 0) {
      Resolved parent = walk(path, parentNames, true);
      if (parent.ino() < 0 || !inodes.get(parent.ino()).stat(parent.ino()).isDirectory()) {
        return walk(path, names, followLast); // fails as the whole path does
      }
      dir = parent.ino();
      keep(new KeptDirectory(generation, parentPath, dir));
    }
    long child = directories.lookup(dir, name);
    if (child < 0) {
      return new Resolved(dir, name, -1);
    }
    if (followLast && inodes.get(child).target() != null) {
      return walk(path, names, true);
    }
    return new Resolved(dir, name, child);
  }

  private long keptDirectory(long generation, String path) {
    for (KeptDirectory k : kept) {
      if (k.at() == generation && k.path().equals(path)) {
        return k.ino();
      }
    }
    return -1;
  }

  private void keep(KeptDirectory k) {
    KeptDirectory[] old = kept;
    KeptDirectory[] now = new KeptDirectory[Math.min(KEPT, old.length + 1)];
    now[0] = k;
    System.arraycopy(old, 0, now, 1, now.length - 1);
    kept = now;
  }

  /** Where {@code names} lead, name by name from the root ({@code path} names them in errors). */
  private Resolved walk(String path, List<String> names, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>(names);
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

package io.strata.store.engine;

import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.roaringbitmap.RoaringBitmap;

/**
 * What keeps a chunk alive: the durable roots and the write sessions still open, with the lock that
 * makes GC's view of them atomic with a writer's dedup lookup. A writer looks a digest up and marks
 * the chunk as held by its session under the shared side of {@link #lock}; GC (and a fleet's
 * condemnation) decides what is dead under the exclusive side. So a chunk is either seen as live or
 * already gone from the index, in which case the writer stores a fresh copy.
 */
final class LiveRoots {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, Root> roots = new ConcurrentHashMap<>();
  private final Set<WriteSession> sessions = ConcurrentHashMap.newKeySet();
  private final List<Consumer<List<RootChange>>> listeners = new CopyOnWriteArrayList<>();

  LiveRoots(Map<String, Root> recovered) {
    roots.putAll(recovered);
  }

  ReentrantReadWriteLock lock() {
    return lock;
  }

  void opened(WriteSession s) {
    sessions.add(s);
  }

  /** A session ended without a commit, or its commit failed. */
  void ended(WriteSession s) {
    lock.readLock().lock();
    try {
      sessions.remove(s);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Publishes a durable commit: its roots become visible and its session's holds go. */
  void apply(WriteSession session, List<RootChange> changes) {
    lock.readLock().lock();
    try {
      for (RootChange ch : changes) {
        if (ch instanceof RootChange.Put put) {
          roots.put(put.name(), put.root());
        } else if (ch instanceof RootChange.Update u) {
          roots.put(u.name(), u.applyTo(roots.get(u.name())));
        } else {
          roots.remove(ch.name());
        }
      }
      sessions.remove(session);
    } finally {
      lock.readLock().unlock();
    }
    for (var l : listeners) {
      l.accept(changes);
    }
  }

  /** See {@link ChunkStore#onRootChanges}. */
  void onChanges(Consumer<List<RootChange>> listener) {
    listeners.add(listener);
  }

  Root root(String name) {
    return roots.get(name);
  }

  List<Root> withPrefix(String prefix) {
    List<Root> out = new ArrayList<>();
    for (Root r : roots.values()) {
      if (r.name().startsWith(prefix)) {
        out.add(r);
      }
    }
    return out;
  }

  Collection<Root> all() {
    return roots.values();
  }

  /** The union of every root's chunks except those of {@code excluded} (null: none excluded). */
  RoaringBitmap referencedExcept(String excluded) {
    RoaringBitmap all = new RoaringBitmap();
    for (Root r : roots.values()) {
      if (!r.name().equals(excluded)) {
        all.or(r.chunks());
      }
    }
    return all;
  }

  /**
   * Every chunk a root or an open session holds. Exact only under the exclusive side of {@link
   * #lock}, which the caller holds.
   */
  RoaringBitmap live() {
    RoaringBitmap live = referencedExcept(null);
    for (WriteSession s : sessions) {
      live.or(s.held());
    }
    return live;
  }

  /** Bytes the roots would take in a compacted root log, roughly. */
  long bytesEstimate() {
    long n = 0;
    for (Root r : roots.values()) {
      n += r.payload().length + r.chunks().getSizeInBytes() + r.name().length() + 32;
    }
    return n;
  }
}

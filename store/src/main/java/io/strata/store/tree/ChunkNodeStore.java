package io.strata.store.tree;

import io.strata.store.chunk.LentArrays;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * Tree nodes kept as chunks of a {@link ChunkStore}, written within one {@link WriteSession}.
 * Records which chunk ids the tree gained and which nodes it let go since the last {@link
 * #drainChanges}, so the owner can update its root's reference set by a small delta.
 */
public final class ChunkNodeStore implements NodeStore {

  private final ChunkAccess store;
  private WriteSession session;
  private final RoaringBitmap added = new RoaringBitmap();
  private final RoaringBitmap released = new RoaringBitmap();
  // What each release since the savepoint found, newest last, for rollbackToSavepoint to restore
  private final List<Release> sinceSavepoint = new ArrayList<>();
  private boolean journaling; // from a savepoint to the next drain: trees without one keep none

  /** A release of node {@code id}, and whether it was in each set before. */
  private record Release(int id, boolean wasAdded, boolean wasReleased) {}

  public ChunkNodeStore(ChunkAccess store, WriteSession session) {
    this.store = store;
    this.session = session;
  }

  /** Switches to a new session (after the previous one committed). */
  public void session(WriteSession s) {
    this.session = s;
  }

  @Override
  public byte[] load(Digest d) throws IOException {
    int id = store.readableIdOf(d);
    if (id < 0) {
      throw new CorruptDataException("tree node " + d + " is missing from the store", d.toString());
    }
    // Room for any chunk, lent: a node read needs it only until it is copied out.
    byte[] buf = LentArrays.CHUNKS.take();
    try {
      int n = store.read(id, buf);
      return Arrays.copyOf(buf, n);
    } finally {
      LentArrays.CHUNKS.give(buf);
    }
  }

  @Override
  public Digest store(byte[] node) throws IOException {
    ChunkStore.Stored s = store.putNode(session, node, 0, node.length);
    added.add(s.id());
    released.remove(s.id());
    return store.digest(s.id());
  }

  @Override
  public void released(Digest d) {
    int id = store.idOf(d);
    if (id >= 0 && journaling) {
      sinceSavepoint.add(new Release(id, added.contains(id), released.contains(id)));
    }
    if (id >= 0 && !added.contains(id)) {
      released.add(id);
    } else if (id >= 0) {
      // A node made and dropped between two drains: it never reached a root.
      added.remove(id);
      released.add(id);
    }
  }

  /**
   * Marks the sets as they are now as what {@link #rollbackToSavepoint} returns to, with the tree's
   * own savepoint ({@link CowTree#savepoint}). Nodes stored since are not undone: the tree refuses
   * a return past a flush.
   */
  public void savepoint() {
    sinceSavepoint.clear();
    journaling = true;
  }

  /**
   * Undoes the releases since the last {@link #savepoint}: the tree references those nodes again.
   */
  public void rollbackToSavepoint() {
    for (int i = sinceSavepoint.size() - 1; i >= 0; i--) {
      Release r = sinceSavepoint.get(i);
      if (r.wasAdded()) {
        added.add(r.id());
      } else {
        added.remove(r.id());
      }
      if (r.wasReleased()) {
        released.add(r.id());
      } else {
        released.remove(r.id());
      }
    }
    sinceSavepoint.clear();
  }

  /** Chunk ids stored since the last drain; the set is emptied. */
  public RoaringBitmap drainAdded() {
    RoaringBitmap out = added.clone();
    added.clear();
    return out;
  }

  /** Node chunk ids let go since the last drain; the set is emptied. */
  public RoaringBitmap drainReleased() {
    RoaringBitmap out = released.clone();
    released.clear();
    sinceSavepoint.clear();
    journaling = false;
    return out;
  }

  /** The chunk store underneath. */
  public ChunkAccess chunks() {
    return store;
  }

  /** The session writes go to. */
  public WriteSession session() {
    return session;
  }
}

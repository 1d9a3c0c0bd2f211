package io.strata.store.fs;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAccess;
import io.strata.store.engine.WriteSession;
import io.strata.store.tree.ChunkNodeStore;
import io.strata.store.tree.CowTree;
import io.strata.store.tree.NodeCache;
import java.io.IOException;
import org.roaringbitmap.RoaringBitmap;

/**
 * The tree a file system is kept in and what makes its changes durable: the in-memory {@link
 * CowTree} grown from the last durable root, the write session its new nodes and data chunks go to,
 * and the chunk ids the changes gained since, which {@link #commit} hands to the owner's {@link
 * TreeFileSystem.Binding}. {@link #rollbackToSavepoint} undoes the change since the last {@link
 * #savepoint} alone, so a refused change leaves nothing behind; {@link #rollback} returns to the
 * last durable root, dropping every change held since.
 *
 * <p>No lock of its own: {@link TreeFileSystem}'s lock guards every field. {@link #get} and {@link
 * #scan} run under its read lock, in parallel (the tree's read path changes only the shared,
 * synchronized node cache); everything else under its write lock.
 */
final class DurableTree {
  private long namesGeneration;
  private long rewinds;

  private final ChunkAccess chunks;
  private final NodeCache cache;
  private final ChunkNodeStore nodes;
  private final TreeFileSystem.Binding binding;
  private final RoaringBitmap dataAdded = new RoaringBitmap();
  // data chunk ids the change since the savepoint added to dataAdded (not there before)
  private final RoaringBitmap dataAddedSinceSavepoint = new RoaringBitmap();
  private boolean sessionAtSavepoint;
  private Digest committedRoot;
  private CowTree tree;
  private WriteSession session;

  DurableTree(ChunkAccess chunks, NodeCache cache, Digest root, TreeFileSystem.Binding binding) {
    this.chunks = chunks;
    this.cache = cache;
    this.binding = binding;
    this.nodes = new ChunkNodeStore(chunks, null);
    this.committedRoot = root;
    this.tree = new CowTree(nodes, cache, root);
  }

  byte[] get(byte[] key) {
    return tree.get(key);
  }

  Iterable<CowTree.Entry> scan(byte[] from, byte[] to) {
    return tree.scan(from, to);
  }

  void put(byte[] key, byte[] value) {
    tree.put(key, value);
  }

  void delete(byte[] key) {
    tree.delete(key);
  }

  /** The tree as it is now, durable or not. */
  CowTree tree() {
    return tree;
  }

  /** The root of the last durable state. */
  Digest committedRoot() {
    return committedRoot;
  }

  ChunkAccess chunks() {
    return chunks;
  }

  /** The session this change writes to, opened with the first change since the last commit. */
  WriteSession session() {
    if (session == null) {
      session = chunks.session();
      nodes.session(session);
    }
    return session;
  }

  /** Whether a change is open: made since the last commit and not committed or rolled back. */
  boolean changing() {
    return session != null;
  }

  /** Notes a data chunk a change stored, for the commit's reference delta. */
  void dataAdded(int id) {
    if (dataAdded.checkedAdd(id)) {
      dataAddedSinceSavepoint.add(id);
    }
  }

  /**
   * Marks the state now as what {@link #rollbackToSavepoint} returns to: taken before each change,
   * so that one that fails undoes itself alone. Changes held for a later commit (a mount's) are not
   * lost with it.
   */
  void savepoint() {
    tree.savepoint();
    nodes.savepoint();
    dataAddedSinceSavepoint.clear();
    sessionAtSavepoint = session != null;
  }

  /**
   * Undoes the change since the last {@link #savepoint}; false, changing nothing, when it cannot
   * (it stored tree nodes: a spill), and the caller must {@link #rollback} instead.
   */
  boolean rollbackToSavepoint() {
    if (!tree.rollbackToSavepoint()) {
      return false;
    }
    namesGeneration++;
    rewinds++;
    nodes.rollbackToSavepoint();
    dataAdded.andNot(dataAddedSinceSavepoint);
    dataAddedSinceSavepoint.clear();
    if (!sessionAtSavepoint && session != null) {
      // the change opened the session: nothing else is held in it
      session.close();
      session = null;
      nodes.drainAdded();
      nodes.drainReleased();
    }
    return true;
  }

  /** Stores the changed nodes and has the owner record the new root; nothing if nothing changed. */
  void commit() throws IOException {
    if (session == null) {
      return;
    }
    Digest root = tree.flush();
    RoaringBitmap added = nodes.drainAdded();
    added.or(dataAdded);
    dataAdded.clear();
    RoaringBitmap released = nodes.drainReleased();
    WriteSession s = session;
    session = null;
    try {
      binding.commit(s, root, added, released);
    } finally {
      s.close();
    }
    committedRoot = root;
  }

  /**
   * A count that moves whenever a lookup made before may no longer hold: a name went ({@link
   * #namesChanged}) or the tree went back to a durable root. Read and moved under the file system's
   * lock.
   */
  long namesGeneration() {
    return namesGeneration;
  }

  /** A name left a directory (unlinked, renamed away, replaced). */
  void namesChanged() {
    namesGeneration++;
  }

  /**
   * A count that moves whenever the tree goes back to an earlier state ({@link
   * #rollbackToSavepoint}, {@link #rollback}, {@link #reload}): what was learnt of any item since
   * may no longer hold, and inode numbers given out since may be given out again. Read and moved
   * under the file system's lock.
   */
  long rewinds() {
    return rewinds;
  }

  /** Drops every change since the last commit. */
  void rollback() {
    namesGeneration++;
    rewinds++;
    if (session != null) {
      session.close();
      session = null;
    }
    nodes.drainAdded();
    nodes.drainReleased();
    dataAdded.clear();
    dataAddedSinceSavepoint.clear();
    tree = new CowTree(nodes, cache, committedRoot);
  }

  /** Drops every change and makes {@code root} the durable state, as if opened on it. */
  void reload(Digest root) {
    rollback();
    committedRoot = root;
    tree = new CowTree(nodes, cache, root);
  }
}

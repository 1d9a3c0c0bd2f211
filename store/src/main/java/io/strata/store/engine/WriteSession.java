package io.strata.store.engine;

import io.strata.store.error.StrataException;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.roaringbitmap.RoaringBitmap;

/**
 * A write in progress: the chunks it has written or deduplicated against stay alive (GC counts them
 * as referenced) until the session commits its roots or is closed. Objects are written through
 * {@link #newObject}; {@link #commit} makes their roots durable.
 */
public final class WriteSession implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WriteSession.class.getName());

  private final ChunkStore store;
  private final RoaringBitmap refs = new RoaringBitmap();
  // The tree nodes this session stored ({@link ChunkStore#putNode}): metadata, which may take the
  // space reserve on a full disk (GroupCommit).
  private final RoaringBitmap nodes = new RoaringBitmap();
  private final List<Awaited> awaited = new ArrayList<>();
  private final SessionGroups groups = new SessionGroups();
  private boolean closed;

  WriteSession(ChunkStore store) {
    this.store = store;
  }

  /** A writer for one object that also computes its content's SHA-256; it starts a new chunk. */
  public ObjectWriter newObject() {
    return new ObjectWriter(store.writer(), this, true);
  }

  /**
   * A writer for one object whose content digest nobody needs (a file in a tree is known by its
   * chunks): saves a second SHA-256 pass over every byte.
   */
  public ObjectWriter newUndigestedObject() {
    return new ObjectWriter(store.writer(), this, false);
  }

  /** Holds chunk {@code id} alive for this session. Called under the store's reference lock. */
  synchronized void hold(int id) {
    refs.add(id);
  }

  /** Another writer's chunk this session deduplicated against, and its append. */
  private record Awaited(int id, CompletableFuture<Void> write) {}

  /**
   * Makes the commit wait for another writer's chunk {@code id} that this session deduplicated
   * against.
   */
  synchronized void await(int id, CompletableFuture<Void> write) {
    awaited.add(new Awaited(id, write));
  }

  /** The session's groups of small new chunks not yet appended. */
  SessionGroups groups() {
    return groups;
  }

  /** Notes that chunk {@code id} is a tree node this session stored. */
  synchronized void nodeStored(int id) {
    nodes.add(id);
  }

  /** The tree nodes this session stored; a copy. */
  synchronized RoaringBitmap nodes() {
    return nodes.clone();
  }

  /** The chunks held; a copy. */
  synchronized RoaringBitmap held() {
    return refs.clone();
  }

  /**
   * Makes {@code changes} durable (group commit: packs, then the root log, then return) and ends
   * the session.
   */
  public void commit(List<RootChange> changes) throws IOException {
    // Its groups go to the pack first: the commit's fsync must cover every chunk it names.
    store.writer().groups().flushSession(this);
    List<Awaited> waits;
    synchronized (this) {
      waits = List.copyOf(awaited);
    }
    for (Awaited w : waits) {
      try {
        store.writer().awaitShared(w.id(), w.write());
      } catch (ExecutionException e) {
        throw new StrataException("a chunk this write shares with another failed to store", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StrataException("interrupted while waiting for a shared chunk", e);
      }
    }
    store.commit(this, changes);
    closed = true;
  }

  /** Ends the session without committing: what it wrote becomes garbage for the next gc. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        // Appended, not dropped: another write may have deduplicated against them meanwhile.
        store.writer().groups().flushSession(this);
      } catch (IOException | RuntimeException e) {
        // Nothing is committed; their chunks are gone from the index, and whoever shared one
        // learns it from its write's failure.
        LOG.log(System.Logger.Level.DEBUG, "closing a write session: {0}", e.getMessage());
      } finally {
        store.endSession(this);
      }
    }
  }
}

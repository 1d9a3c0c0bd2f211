package io.strata.store.engine;

import io.strata.store.disk.DiskFull;
import io.strata.store.disk.SpaceReserve;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackSet;
import io.strata.store.ref.RootChange;
import io.strata.store.ref.RootLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.roaringbitmap.RoaringBitmap;

/**
 * Group commit of a {@link ChunkStore}: a commit makes its session's chunks durable (the packs are
 * fsynced), then its root changes (appended to both copies of the root log and fsynced), and only
 * then are the roots published and the caller acknowledged. Commits that arrive while one is
 * syncing queue up, and whoever takes the lock next syncs for all of them: sixteen writers cost
 * about as many fsyncs as one.
 *
 * <p>Failure is per commit where it can be: on a full disk a commit whose chunks are all durable
 * already goes on (so that removes can free space), and a commit that names a chunk a failed fsync
 * took fails alone (see {@link #markLost}).
 */
final class GroupCommit {
  private static final System.Logger LOG = System.getLogger(GroupCommit.class.getName());

  /** What happens to a commit once its batch is durable, or failed. */
  interface Publisher {
    /** The changes are durable: make them visible and end the session. */
    void publish(WriteSession session, List<RootChange> changes);

    /** The commit failed: end the session, its chunks are garbage. */
    void abandon(WriteSession session);

    /** After each batch, outside of any one commit's outcome (an index checkpoint when due). */
    void afterBatch();
  }

  private final Path dataRoot;
  private final PackSet packs;
  private final ChunkIndex index;
  private final RootLog rootLog;
  private final SpaceReserve reserve;
  private final ChunkTotals totals;
  private final Publisher publisher;
  private final ReentrantLock commitLock = new ReentrantLock();
  private final List<PendingCommit> commitQueue = new ArrayList<>();
  // Chunks whose records a failed fsync took (ids are never reused, so this only grows).
  private final RoaringBitmap lost = new RoaringBitmap();

  GroupCommit(
      Path dataRoot,
      PackSet packs,
      ChunkIndex index,
      RootLog rootLog,
      SpaceReserve reserve,
      ChunkTotals totals,
      Publisher publisher) {
    this.dataRoot = dataRoot;
    this.packs = packs;
    this.index = index;
    this.rootLog = rootLog;
    this.reserve = reserve;
    this.totals = totals;
    this.publisher = publisher;
  }

  /** Held while a batch commits; whoever holds it keeps commits out (a compaction, a close). */
  ReentrantLock lock() {
    return commitLock;
  }

  /** Chunks a failed fsync took: a commit that names one fails from now on. */
  void markLost(RoaringBitmap ids) {
    synchronized (lost) {
      lost.or(ids);
    }
  }

  /** A commit waiting for the group sync. */
  private static final class PendingCommit {
    final List<RootChange> changes;
    final WriteSession session;
    boolean done;
    Throwable failure;

    PendingCommit(List<RootChange> changes, WriteSession session) {
      this.changes = changes;
      this.session = session;
    }
  }

  /**
   * Makes the session's chunks and {@code changes} durable, applies the changes and ends the
   * session. Group commit: whoever takes the commit lock syncs for everyone queued behind it.
   */
  void commit(WriteSession session, List<RootChange> changes) throws IOException {
    PendingCommit mine = new PendingCommit(List.copyOf(changes), session);
    synchronized (commitQueue) {
      commitQueue.add(mine);
    }
    commitLock.lock();
    try {
      if (!mine.done) {
        List<PendingCommit> batch;
        synchronized (commitQueue) {
          batch = new ArrayList<>(commitQueue);
          commitQueue.clear();
        }
        Throwable failure = null;
        try {
          syncPacksFor(batch);
          // After the sync: it is what finds out that a pack's records never became durable.
          failCommitsNamingLostChunks(batch);
          List<RootChange> all = new ArrayList<>();
          for (PendingCommit c : batch) {
            if (c.failure == null) {
              all.addAll(c.changes);
            }
          }
          if (!all.isEmpty()) {
            appendRoots(all);
            rootLog.force();
          }
        } catch (IOException | RuntimeException | Error e) {
          // An Error too: unmarked, the batch's commits would return as if they had succeeded.
          failure = e;
        }
        for (PendingCommit c : batch) {
          if (failure == null && c.failure == null) {
            publisher.publish(c.session, c.changes);
          } else {
            if (c.failure == null) {
              c.failure = failure;
            }
            publisher.abandon(c.session);
          }
          c.done = true;
        }
        publisher.afterBatch();
      }
    } finally {
      commitLock.unlock();
    }
    if (mine.failure != null) {
      if (mine.failure instanceof IOException io) {
        if (DiskFull.causedBy(io)) {
          throw new StorageFullException("data root " + dataRoot + ": the disk is full", io);
        }
        throw io;
      }
      if (mine.failure instanceof Error e) {
        throw e;
      }
      throw (RuntimeException) mine.failure;
    }
  }

  /**
   * Makes the packs durable for {@code batch}. On a full disk the open pack may hold records that
   * cannot be written yet (of writes that failed, or wait for space): a commit whose own chunks are
   * all durable already (a remove, a tag, a write that only deduplicated) goes on without them, so
   * that space can be freed on a full disk; the others fail as the disk is full.
   */
  private void syncPacksFor(List<PendingCommit> batch) throws IOException {
    long mark = totals.beforeSync();
    try {
      syncPacksTakingTheReserveForNodes(batch);
      totals.synced(mark);
    } catch (IOException e) {
      if (!DiskFull.causedBy(e)) {
        throw e;
      }
      boolean anyGoesOn = false;
      for (PendingCommit c : batch) {
        if (namesOnlyDurableChunks(c)) {
          anyGoesOn = true;
        } else {
          c.failure = e;
        }
      }
      if (!anyGoesOn) {
        throw e;
      }
    }
  }

  /**
   * The most bytes waiting to reach the open pack for which the space reserve is given up: the tree
   * nodes of a few changes, not a write's data.
   */
  private static final long RESERVE_FOR_NODES = SpaceReserve.FLOOR / 8;

  /**
   * {@code packs.sync()}; on a full disk, when a commit of the batch needs records that did not
   * reach the disk and every one of them is a tree node it stored (a removal, a rename, a chmod
   * through a mount), and little waits, the space reserve is given up and the sync tried once more,
   * as a file system keeps room for its metadata. Without it such a removal failed for want of a
   * few KiB and was undone, its file back after a remount (FullDiskRemoveTest, once under load in
   * session 27). A commit with data of its own never takes the reserve: a small put that took it
   * would leave removals on a full disk unable to be recorded. A pack write that fails part-way
   * resumes where it stopped ({@code PackWriter.flush}).
   */
  private void syncPacksTakingTheReserveForNodes(List<PendingCommit> batch) throws IOException {
    try {
      packs.sync();
    } catch (IOException e) {
      long waiting = packs.unflushedBytes();
      if (!DiskFull.causedBy(e)
          || waiting == 0
          || waiting > RESERVE_FOR_NODES
          || reserve.size() == 0
          || !anyNeedsOnlyNodes(batch)) {
        throw e;
      }
      releaseReserve("write the tree nodes of a change (" + waiting + " bytes waiting)");
      packs.sync();
    }
  }

  /**
   * On a full disk, gives up the space reserve so that a tree node's record can be appended (a new
   * pack's header needs room too), when {@code session} waits for nothing but tree nodes: every
   * chunk it holds is durable, a node it stored, or one whose append failed (nothing waits for
   * that). Returns whether it did. A removal through a mount on a disk full to the last byte failed
   * here before its pack sync (docs/ADVERSARIAL.md, AE1); a change with data never takes the
   * reserve.
   */
  boolean releaseReserveForNodesOf(WriteSession session) throws IOException {
    commitLock.lock();
    try {
      if (reserve.size() == 0) {
        return false;
      }
      RoaringBitmap nodes = session.nodes();
      for (int id : session.held()) {
        long loc = index.location(id);
        if (loc != Locations.NONE && !durable(loc) && !nodes.contains(id)) {
          return false;
        }
      }
      releaseReserve("append the tree nodes of a change");
      return true;
    } finally {
      commitLock.unlock();
    }
  }

  /** Gives up the space reserve on a full disk, saying what for. */
  private void releaseReserve(String what) throws IOException {
    long freed = reserve.release();
    LOG.log(
        System.Logger.Level.WARNING,
        "data root {0}: the disk is full; released the {1}-byte space reserve to {2} (gc writes it"
            + " again)",
        dataRoot,
        freed,
        what);
  }

  /**
   * Whether a commit of {@code batch} names chunks that are not durable, all of them tree nodes its
   * session stored.
   */
  private boolean anyNeedsOnlyNodes(List<PendingCommit> batch) {
    for (PendingCommit c : batch) {
      RoaringBitmap waiting = notDurable(c);
      if (!waiting.isEmpty() && RoaringBitmap.andNot(waiting, c.session.nodes()).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private boolean namesOnlyDurableChunks(PendingCommit c) {
    return notDurable(c).isEmpty();
  }

  /** The chunks {@code c} names whose records are not durable (or not stored at all). */
  private RoaringBitmap notDurable(PendingCommit c) {
    RoaringBitmap out = new RoaringBitmap();
    for (int id : named(c)) {
      if (!durable(index.location(id))) {
        out.add(id);
      }
    }
    return out;
  }

  /** Whether a chunk at {@code loc} is stored and its record durable. */
  private boolean durable(long loc) {
    return Locations.isStored(loc)
        && packs.isDurable(Locations.packId(loc), GroupedLocations.recordEndBound(loc));
  }

  /** The chunks a commit holds or adds to roots. */
  private static RoaringBitmap named(PendingCommit c) {
    RoaringBitmap named = c.session.held();
    for (RootChange ch : c.changes) {
      if (ch instanceof RootChange.Put put) {
        named.or(put.root().chunks());
      } else if (ch instanceof RootChange.Update u) {
        named.or(u.added());
      }
    }
    return named;
  }

  /**
   * Appends to the root log. On a full disk the space reserve gives the room: a remove must be
   * possible on a full disk, or nothing could ever be freed (gc works without the reserve).
   */
  private void appendRoots(List<RootChange> all) throws IOException {
    try {
      rootLog.append(all);
    } catch (IOException e) {
      if (!DiskFull.causedBy(e) || reserve.size() == 0) {
        throw e;
      }
      releaseReserve("record a commit");
      rootLog.append(all);
    }
  }

  /**
   * Fails each commit of {@code batch} that would name a chunk whose record a failed fsync took
   * (see {@link #forgetLost}): its root would point at nothing.
   */
  private void failCommitsNamingLostChunks(List<PendingCommit> batch) {
    RoaringBitmap gone;
    synchronized (lost) {
      if (lost.isEmpty()) {
        return;
      }
      gone = lost.clone();
    }
    for (PendingCommit c : batch) {
      RoaringBitmap named = named(c);
      if (c.failure == null && RoaringBitmap.intersects(named, gone)) {
        int id = RoaringBitmap.and(named, gone).first();
        c.failure =
            new StrataException(
                "chunk "
                    + id
                    + " of this write was lost when its pack could not be made durable;"
                    + " nothing was recorded, retry");
      }
    }
  }
}

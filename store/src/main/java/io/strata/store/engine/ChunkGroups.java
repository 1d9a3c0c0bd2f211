package io.strata.store.engine;

import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Dictionaries;
import io.strata.store.digest.Digest;
import io.strata.store.disk.DiskFull;
import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.error.StorageFullException;
import io.strata.store.error.StrataException;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.GroupTable;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackSet;
import io.strata.store.pack.Records;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Consecutive small new chunks of one write session compressed together, one frame a group record
 * (docs/FORMAT.md, "Group records"): a 16–64 KiB chunk alone has no context, a group of a few
 * hundred KiB has its neighbours'. A group is appended when it reaches the group size, or when its
 * session commits (before the fsync that acknowledges it); until then its members are {@link
 * Locations#PENDING} in the index and their bytes are only here, so every path that may need one
 * first asks this class: a reader is served from the open group ({@link #readOpen}), a writer that
 * deduplicates against a member of another session's group flushes it ({@link #flushHolding}). A
 * full group is compressed by a flusher thread while the writer that filled it goes on ({@link
 * #flushSoon}), or by that writer when every flusher is busy.
 *
 * <p>Memory: each session with new small chunks holds one group of up to twice the group size (a
 * group goes out once it reaches the size, so its last member may overshoot), plus the full ones
 * being compressed by the threads that filled them.
 */
final class ChunkGroups {
  /**
   * The group size of a store that does not say: the smallest measured that stores both Debian
   * trees in under 165 MB (docs/FORMAT.md, "Group records": 256 KiB stored 166.5 MB, 384 KiB 165.3,
   * 448 KiB 164.5); a larger group costs a random read of one chunk more decoding.
   */
  static final int DEFAULT_BYTES = 448 << 10;

  /** The largest group size: twice it must fit {@link GroupTable#MAX_RAW}. */
  static final int MAX_BYTES = GroupTable.MAX_RAW / 2;

  /**
   * Groups gathering at once in the whole store, over all write sessions: past it the eldest is
   * appended early, smaller (its chunks are the same). A session's open group lives until it fills
   * or the session commits, and a mounted container's session commits at the mount's periodic sync:
   * 64 containers written one after another within one period held 64 groups of up to 896 KiB and
   * ran a 128 MiB heap out (docs/ADVERSARIAL.md, round 7, O3). One import never has this many.
   */
  static final int MAX_OPEN_GROUPS = 16;

  /** What becomes of a member once its group is appended or has failed. */
  interface Outcome {
    void appended(int id);

    void failed(int id, Throwable e);
  }

  /** Receives the index location of member {@code i} of a group, under the append lock. */
  @FunctionalInterface
  interface Placement {
    void placed(int i, long loc);
  }

  private final Path dataRoot;
  private final int groupBytes;
  private final ChunkCodec codec;
  private final boolean verifyWrites;
  private final Dictionaries dictionaries;
  private final ChunkIndex index;
  private final PackSet packs;
  private final ChunkTotals totals;
  private final Outcome outcome;
  // Members of groups not yet appended, by chunk id.
  private final Map<Integer, OpenGroup> open = new ConcurrentHashMap<>();
  // Groups started and not yet appended, eldest first (its own monitor, taken last).
  private final Deque<OpenGroup> started = new ArrayDeque<>();
  private final ByteArrayPool buffers;
  // Where a full group is compressed and appended while the thread that filled it goes on; null:
  // on that thread.
  private final Executor flusher;
  // Full groups handed to the flusher and not yet appended: at most one a flusher thread, so a
  // writer faster than compression waits (compressing a group itself) instead of queueing memory.
  private final Semaphore handedOff;

  ChunkGroups(
      Path dataRoot,
      int groupBytes,
      ChunkCodec codec,
      boolean verifyWrites,
      Dictionaries dictionaries,
      ChunkIndex index,
      PackSet packs,
      ChunkTotals totals,
      Outcome outcome,
      int pooled,
      Executor flusher,
      int flusherThreads) {
    if (groupBytes < 0 || groupBytes > MAX_BYTES) {
      throw new IllegalArgumentException(
          "group size " + groupBytes + " is outside 0.." + MAX_BYTES + " bytes");
    }
    this.dataRoot = dataRoot;
    this.groupBytes = groupBytes;
    this.codec = codec;
    this.verifyWrites = verifyWrites;
    this.dictionaries = dictionaries;
    this.index = index;
    this.packs = packs;
    this.totals = totals;
    this.outcome = outcome;
    this.buffers = new ByteArrayPool(Math.max(1, 2 * groupBytes), pooled);
    this.flusher = flusher;
    this.handedOff = new Semaphore(Math.max(0, flusherThreads));
  }

  /**
   * Whether a new chunk of {@code len} bytes joins a group (false: it gets a record of its own).
   */
  boolean accepts(int len) {
    return groupBytes > 0 && len < groupBytes;
  }

  /** The group size (0: groups are off). */
  int groupBytes() {
    return groupBytes;
  }

  /**
   * Adds new chunk {@code id} (reserved, {@link Locations#PENDING}) to session {@code s}'s open
   * group; if that fills the group, compresses and appends it on this thread.
   */
  void add(WriteSession s, int id, Digest d, byte[] b, int off, int len) throws IOException {
    SessionGroups slot = s.groups();
    Throwable failed = slot.failure();
    if (failed != null) {
      // a group handed off failed: the commit would refuse, so stop the write now
      throw sessionFailed(failed);
    }
    OpenGroup full = null;
    synchronized (slot) {
      OpenGroup g = slot.current();
      if (g == null || !g.fits(len)) {
        if (g != null) {
          // Cannot happen while members stay under the group size; kept safe all the same.
          slot.detach(g);
          full = g;
        }
        g = new OpenGroup(s, buffers.take());
        slot.start(g);
        synchronized (started) {
          started.addLast(g);
        }
      }
      synchronized (g) {
        g.add(id, d, b, off, len);
      }
      open.put(id, g);
      if (g.full(groupBytes)) {
        if (full != null) {
          flush(full);
        }
        slot.detach(g);
        full = g;
      }
    }
    if (full != null) {
      flushSoon(full);
    }
    appendEldestPastBound();
  }

  /**
   * While more than {@link #MAX_OPEN_GROUPS} groups gather, appends the eldest now, as {@link
   * #flushHolding} does for a chunk another write needs. Outside every session's monitor, so two
   * writers never wait on each other's. A failure is its session's: its commit reports it.
   */
  private void appendEldestPastBound() {
    while (true) {
      OpenGroup eldest;
      synchronized (started) {
        if (started.size() <= MAX_OPEN_GROUPS) {
          return;
        }
        eldest = started.peekFirst();
      }
      eldest.owner.groups().detach(eldest);
      try {
        flush(eldest);
      } catch (IOException | RuntimeException e) {
        // kept by the owner's session (SessionGroups.flushed)
      }
      synchronized (started) {
        started.remove(eldest); // appended by another thread meanwhile: done all the same
      }
    }
  }

  /** How many groups gather now (for tests). */
  int gathering() {
    synchronized (started) {
      return started.size();
    }
  }

  /**
   * Hands full group {@code g} to a flusher thread when one is free, else compresses and appends it
   * here. The thread that filled it (the one cutting an object into chunks) then goes on cutting
   * and hashing while a core compresses, instead of handing every chunk to a worker and waiting for
   * it: that hand-off, a queue and two thread switches a chunk, cost more than hashing a chunk. A
   * failure of a group handed off is the session's: its next chunk and its commit throw it.
   */
  private void flushSoon(OpenGroup g) throws IOException {
    if (flusher != null && handedOff.tryAcquire()) {
      try {
        flusher.execute(
            () -> {
              try {
                flush(g);
              } catch (IOException | RuntimeException | Error e) {
                // kept by the session (SessionGroups.flushed): its commit reports it; an Error
                // too (direct memory out), which would otherwise end this thread unrecorded
              } finally {
                handedOff.release();
              }
            });
        return;
      } catch (RejectedExecutionException closing) {
        handedOff.release();
      }
    }
    flush(g);
  }

  private RuntimeException sessionFailed(Throwable failure) {
    if (failure instanceof StorageFullException full) {
      return new StorageFullException(full.getMessage(), full);
    }
    if (failure instanceof IOException io && DiskFull.causedBy(io)) {
      return new StorageFullException("data root " + dataRoot + ": the disk is full", io);
    }
    if (OutOfDescriptors.causedBy(failure)) {
      // Passes once descriptors are free again; the store kept nothing of the write either way.
      return new StrataException(
          "data root "
              + dataRoot
              + ": "
              + OutOfDescriptors.TOO_MANY_OPEN_FILES
              + " (the server's open-file limit is reached): a group of new chunks of this write"
              + " failed to store; nothing was recorded, retry",
          failure);
    }
    if (failure instanceof IOException io) {
      // the cause is the sentence the user needs ("Read-only file system")
      return new java.io.UncheckedIOException(
          "a group of new chunks of this write failed to store ("
              + io.getMessage()
              + "); nothing was recorded, retry",
          io);
    }
    return new StrataException(
        "a group of new chunks of this write failed to store; nothing was recorded, retry",
        failure);
  }

  /**
   * Appends every group of session {@code s} not yet in a pack; throws if one of them failed (the
   * commit must not record roots naming its chunks).
   */
  void flushSession(WriteSession s) throws IOException {
    SessionGroups slot = s.groups();
    List<OpenGroup> pending = slot.detachAll();
    for (OpenGroup g : pending) {
      flush(g);
    }
    Throwable failure = slot.failure();
    if (failure != null) {
      throw sessionFailed(failure);
    }
  }

  /**
   * If chunk {@code id} waits in a group not yet appended, appends that group now (another write
   * deduplicated against it and must not wait for its session). Returns whether it did.
   */
  boolean flushHolding(int id) throws IOException {
    OpenGroup g = open.get(id);
    if (g == null) {
      return false;
    }
    g.owner.groups().detach(g);
    flush(g);
    return true;
  }

  /** Whether chunk {@code id} waits in one of session {@code s}'s own groups. */
  boolean heldOpenBy(int id, WriteSession s) {
    OpenGroup g = open.get(id);
    return g != null && g.owner == s;
  }

  /**
   * Copies chunk {@code id} from the group not yet appended that holds it; its length, or -1 if no
   * such group holds it (any more: then the index has its place).
   */
  int readOpen(int id, byte[] dst) {
    OpenGroup g = open.get(id);
    if (g == null) {
      return -1;
    }
    synchronized (g) {
      return g.done ? -1 : g.copy(id, dst);
    }
  }

  /** Compresses and appends group {@code g} unless that is done; the index learns the places. */
  private void flush(OpenGroup g) throws IOException {
    Throwable failure = null;
    boolean wrote = false;
    try {
      synchronized (g) {
        if (g.done) {
          if (g.failure != null) {
            // failed on another thread (a worker): a commit flushing it must not go on, and the
            // session's own record of the failure may not be there yet
            throw sessionFailed(g.failure);
          }
          return;
        }
        wrote = true;
        try {
          write(g, (i, loc) -> index.setLocation(g.ids[i], loc), true);
          for (int i = 0; i < g.count; i++) {
            open.remove(g.ids[i]);
            outcome.appended(g.ids[i]);
          }
        } catch (IOException | RuntimeException | Error e) {
          // An Error as well: the members would otherwise stay pending in the index for good,
          // and every write sharing one of them wait for an append that never comes.
          failure = e;
          g.failure = e;
          for (int i = 0; i < g.count; i++) {
            index.remove(g.ids[i]);
            open.remove(g.ids[i]);
            outcome.failed(g.ids[i], e);
          }
          if (e instanceof IOException io && DiskFull.causedBy(io)) {
            throw new StorageFullException("data root " + dataRoot + ": the disk is full", io);
          }
          throw e;
        } finally {
          g.done = true;
          buffers.give(g.raw);
          synchronized (started) {
            started.remove(g);
          }
        }
      }
    } finally {
      // Outside the group's monitor: the session's is taken before a group's, never after.
      if (wrote && g.owner != null) {
        g.owner.groups().flushed(g, failure);
      }
    }
  }

  /**
   * Appends the members of {@code g} as one group record, or as records of their own when together
   * they do not shrink (then nothing would be gained, and a group record's stored length must not
   * exceed its raw length, like any record's). New chunks are {@code counted} in the store's totals
   * (gc's copies are not). Returns the pack bytes appended.
   */
  int write(OpenGroup g, Placement placement, boolean counted) throws IOException {
    byte[] rec = ChunkReader.RECORDS.take();
    try {
      return write(g, placement, counted, rec);
    } finally {
      ChunkReader.RECORDS.give(rec);
    }
  }

  private int write(OpenGroup g, Placement placement, boolean counted, byte[] rec)
      throws IOException {
    if (g.count == 1) {
      // Nothing to share context with (a small object written alone): the table would be waste.
      return writeSingle(g, rec, placement, counted);
    }
    int tableLen =
        GroupTable.write(rec, PackFormat.RECORD_HEADER, g.count, g.ids, g.rawLens, g.digests);
    int frameAt = PackFormat.RECORD_HEADER + tableLen;
    ChunkCodec.Encoded enc =
        g.used == 0 ? null : codec.encode(g.raw, 0, g.used, rec, frameAt, false);
    if (enc == null || enc.codec() == Codec.NONE || tableLen + enc.length() >= g.used) {
      return writeAlone(g, rec, placement, counted);
    }
    if (counted && enc.codec() == Codec.ZSTD && dictionaries != null) {
      // A store without its dictionary yet: the trainer learns from chunks, not from groups.
      int start = 0;
      for (int i = 0; i < g.count; i++) {
        dictionaries.offer(g.raw, start, g.rawLens[i]);
        start += g.rawLens[i];
      }
    }
    if (verifyWrites) {
      verify(g, enc, rec, frameAt);
    }
    int storedLen = tableLen + enc.length();
    Digest tableDigest = Digest.sha256(rec, PackFormat.RECORD_HEADER, tableLen);
    int len =
        Records.seal(
            rec, 0, g.ids[0], enc.codec(), storedLen, g.used, tableDigest, enc.dictId(), true);
    int raw = g.used;
    packs.append(
        rec,
        0,
        len,
        (packId, offset) -> {
          // Counted as members' shares of the record, as a rebuild from the packs and gc count
          // them: the record's own stored length would leave the totals off from a recount.
          int shares = 0;
          for (int i = 0; i < g.count; i++) {
            long loc = GroupedLocations.member(packId, offset, len, raw, g.rawLens[i], i);
            placement.placed(i, loc);
            shares += GroupedLocations.storedBytes(loc);
          }
          if (counted) {
            totals.appended(packId, offset, raw, shares, len);
          }
        });
    return len;
  }

  /** A group of one member: a record of its own, as it would have had without groups. */
  private int writeSingle(OpenGroup g, byte[] rec, Placement placement, boolean counted)
      throws IOException {
    int rawLen = g.used;
    ChunkCodec.Encoded enc = codec.encode(g.raw, 0, rawLen, rec, PackFormat.RECORD_HEADER, counted);
    if (verifyWrites && enc.codec() != Codec.NONE) {
      verify(g, enc, rec, PackFormat.RECORD_HEADER);
    }
    int storedLen = enc.length();
    int len =
        Records.seal(rec, 0, g.ids[0], enc.codec(), storedLen, rawLen, g.digests[0], enc.dictId());
    packs.append(
        rec,
        0,
        len,
        (packId, offset) -> {
          placement.placed(0, Locations.encode(packId, offset, storedLen));
          if (counted) {
            totals.appended(packId, offset, rawLen, storedLen, len);
          }
        });
    return len;
  }

  /** Members that do not compress together: a raw record each. */
  private int writeAlone(OpenGroup g, byte[] rec, Placement placement, boolean counted)
      throws IOException {
    int total = 0;
    int start = 0;
    for (int i = 0; i < g.count; i++) {
      int rawLen = g.rawLens[i];
      System.arraycopy(g.raw, start, rec, PackFormat.RECORD_HEADER, rawLen);
      int len = Records.seal(rec, 0, g.ids[i], Codec.NONE, rawLen, rawLen, g.digests[i]);
      int member = i;
      packs.append(
          rec,
          0,
          len,
          (packId, offset) -> {
            placement.placed(member, Locations.encode(packId, offset, rawLen));
            if (counted) {
              totals.appended(packId, offset, rawLen, rawLen, len);
            }
          });
      total += len;
      start += rawLen;
    }
    return total;
  }

  /** Decodes the group's frame and compares it with the members: see ChunkWriter's verify. */
  private void verify(OpenGroup g, ChunkCodec.Encoded enc, byte[] rec, int frameAt) {
    ChunkWriter.verifyEncoding(
        enc,
        rec,
        frameAt,
        g.raw,
        0,
        g.used,
        dictionaries,
        "",
        () -> "the group of chunk " + g.digests[0]);
  }
}

package io.strata.store.engine;

import io.strata.store.index.ChunkIndex;
import io.strata.store.index.IndexFile;
import io.strata.store.pack.PackSet;
import io.strata.store.ref.RootLog;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The index checkpoint and root-log compaction: shortcuts for the next open, never part of a
 * commit. A checkpoint saves the index with the pack lengths it covers, so an open scans only the
 * packs' tails beyond it ({@link Recovery}); it is written every {@link #EVERY} new pack bytes, on
 * close, and after an open that had to scan. The root log is compacted when it is four times what
 * the live roots need.
 */
final class Checkpoints {
  private static final System.Logger LOG = System.getLogger(Checkpoints.class.getName());

  /** New pack bytes after which a commit also writes an index checkpoint. */
  private static final long EVERY = 1L << 30;

  /** A root log smaller than this is never compacted. */
  private static final long COMPACT_ABOVE = 64L << 20;

  private final Path file;
  private final ChunkIndex index;
  private final PackSet packs;
  private final RootLog rootLog;
  private final LiveRoots live;
  private final ChunkTotals totals;

  Checkpoints(
      Path file,
      ChunkIndex index,
      PackSet packs,
      RootLog rootLog,
      LiveRoots live,
      ChunkTotals totals) {
    this.file = file;
    this.index = index;
    this.packs = packs;
    this.rootLog = rootLog;
    this.live = live;
    this.totals = totals;
  }

  /** Writes the index checkpoint (with appends held off while it is taken). */
  void write() throws IOException {
    packs.whileQuiescent(
        lengths -> {
          IndexFile.write(
              file,
              index,
              lengths,
              totals.uniqueBytes(),
              totals.compressedBytes(),
              new RootLog.Expected(rootLog.generation(), rootLog.durableLength()));
          totals.checkpointed();
        });
  }

  /**
   * Writes a checkpoint, or compacts the root log, when due; runs after each batch of commits.
   * Neither is part of the commits, which are durable and applied already: a failure (a full disk)
   * is logged, and the work waits for the next batch.
   */
  void writeIfDue() {
    try {
      if (totals.sinceCheckpoint() >= EVERY) {
        write();
      }
      if (rootLog.size() > COMPACT_ABOVE && rootLog.size() > 4 * live.bytesEstimate()) {
        rootLog.compact(live.all());
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: index checkpoint or root log compaction postponed: {1}",
          file.getParent(),
          e.toString());
    }
  }
}

package io.strata.store.engine;

import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Second records of an already indexed chunk that recovery's scan beyond the checkpoint meets: a gc
 * copy whose checkpoint a crash prevented, or a mend (a damaged chunk stored anew under its id,
 * {@link DamagedChunks}) made after the last checkpoint. The indexed place wins unless its record
 * fails its check while the scanned one passed (the scan hands over intact records only): then the
 * scanned copy takes its place, else a restart would point a mended chunk at its damaged record
 * again and the next gc would reclaim the good one (docs/ADVERSARIAL.md, S4).
 *
 * <p>The record itself is checked rather than the {@code damaged} file: a mend takes the chunk off
 * that set before it writes, and the file is started afresh when it does not read, so after a crash
 * it need not name the chunk. Checking costs a read per second copy, and second copies are rare (a
 * gc or a mend cut short by a crash).
 */
final class ReplayedCopies {
  private static final System.Logger LOG = System.getLogger(ReplayedCopies.class.getName());

  private final Path packDir;
  private final IntPredicate inBucket;
  private final List<long[]> copies = new ArrayList<>();

  ReplayedCopies(Path packDir, IntPredicate inBucket) {
    this.packDir = packDir;
    this.inBucket = inBucket;
  }

  /**
   * Notes that the scan found chunk {@code id} intact at {@code loc}, another place than its own.
   */
  void add(int id, long loc) {
    copies.add(new long[] {id, loc});
  }

  /**
   * Moves every noted chunk whose indexed record is damaged or lost to its intact scanned copy;
   * {@code totals[1]} (stored bytes) follows. Returns how many moved.
   */
  int preferIntact(ChunkIndex index, long[] totals) throws IOException {
    int moved = 0;
    for (long[] c : copies) {
      int id = (int) c[0];
      long to = c[1];
      long at = index.location(id);
      if (at == to || !Locations.isStored(at) || indexedIntact(id, at)) {
        continue;
      }
      index.setLocation(id, to);
      totals[1] += GroupedLocations.storedBytes(to) - GroupedLocations.storedBytes(at);
      moved++;
      LOG.log(
          System.Logger.Level.INFO,
          "chunk {0}: its indexed record in pack {1} is damaged; its intact copy in pack {2} (a"
              + " mend or gc copy after the last checkpoint) takes its place",
          id,
          PackFormat.fileName(Locations.packId(at)),
          PackFormat.fileName(Locations.packId(to)));
    }
    return moved;
  }

  private boolean indexedIntact(int id, long at) throws IOException {
    int pack = Locations.packId(at);
    Path p = packDir.resolve(PackFormat.fileName(pack));
    if (!Files.exists(p) && inBucket.test(pack)) {
      return true; // only the bucket holds it: this disk cannot judge it, and reads fetch it whole
    }
    return RecordAt.intact(p, Locations.offset(at), id, GroupedLocations.isMember(at));
  }
}

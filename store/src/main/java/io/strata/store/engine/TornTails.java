package io.strata.store.engine;

import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.RecordHeader;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * What recovery cuts from the end of a pack a crash left open: the bad records after its last
 * intact one. A tear holds nothing acknowledged, but one flipped bit in the last record looks the
 * same, and that record was acknowledged: so every cut is said (bytes and records), and a cut
 * record whose header names a chunk a root uses is a WARNING and an fsck note (docs/ADVERSARIAL.md,
 * S7).
 */
final class TornTails {
  private static final System.Logger LOG = System.getLogger(TornTails.class.getName());

  private record Cut(
      String pack,
      int packId,
      long validEnd,
      long bytes,
      int records,
      List<RecordHeader> headers) {}

  private final List<Cut> cuts = new ArrayList<>();

  /**
   * Notes the cut of pack {@code pack} from {@code validEnd} to {@code size}, where the records at
   * {@code torn} failed their checks; reads their headers before the cut.
   */
  void add(Path pack, int packId, long validEnd, long size, List<Long> torn) throws IOException {
    if (size <= validEnd) {
      return;
    }
    List<RecordHeader> headers = new ArrayList<>();
    for (long offset : torn) {
      RecordHeader h = RecordAt.header(pack, offset);
      if (h != null && !h.grouped()) {
        headers.add(h);
      }
    }
    cuts.add(
        new Cut(
            pack.getFileName().toString(),
            packId,
            validEnd,
            size - validEnd,
            torn.size(),
            headers));
  }

  /**
   * Logs each cut, adding a note to {@code notes} for each that held the only copy of a chunk a
   * root uses. A cut record of a chunk {@code index} places elsewhere was a copy (gc's repack, a
   * store again), whose original holds the chunk: no acknowledged record was lost (W1: a kill
   * during gc was reported as damage fsck then did not find).
   */
  void report(Collection<Root> roots, List<String> notes, ChunkIndex index) {
    if (cuts.isEmpty()) {
      return;
    }
    RoaringBitmap used = new RoaringBitmap();
    for (Root r : roots) {
      used.or(r.chunks());
    }
    for (Cut c : cuts) {
      List<String> lost = new ArrayList<>();
      for (RecordHeader h : c.headers()) {
        if (used.contains(h.chunkId()) && !heldElsewhere(index.location(h.chunkId()), c)) {
          lost.add(h.digest().toString());
        }
      }
      String what =
          "pack "
              + c.pack()
              + ", open at a crash: cut its last "
              + c.bytes()
              + " bytes ("
              + c.records()
              + " records failing their checks, nothing intact after them) as a torn end";
      if (lost.isEmpty()) {
        LOG.log(System.Logger.Level.INFO, what);
        continue;
      }
      String note =
          what
              + "; but a root uses chunk "
              + String.join(", ", lost)
              + " they held: that was damage to an acknowledged record, not a tear (fsck names"
              + " the chunk)";
      LOG.log(System.Logger.Level.WARNING, note);
      notes.add(note);
    }
  }

  /**
   * Whether location {@code loc} holds a chunk outside the cut {@code c} (a group member's location
   * names its group record's pack and offset too).
   */
  private static boolean heldElsewhere(long loc, Cut c) {
    return Locations.isStored(loc)
        && (Locations.packId(loc) != c.packId() || Locations.offset(loc) < c.validEnd());
  }
}

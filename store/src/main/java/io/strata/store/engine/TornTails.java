package io.strata.store.engine;

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

  private record Cut(String pack, long bytes, int records, List<RecordHeader> headers) {}

  private final List<Cut> cuts = new ArrayList<>();

  /**
   * Notes the cut of pack {@code pack} from {@code validEnd} to {@code size}, where the records at
   * {@code torn} failed their checks; reads their headers before the cut.
   */
  void add(Path pack, long validEnd, long size, List<Long> torn) throws IOException {
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
    cuts.add(new Cut(pack.getFileName().toString(), size - validEnd, torn.size(), headers));
  }

  /** Logs each cut, adding a note to {@code notes} for each that held a chunk a root uses. */
  void report(Collection<Root> roots, List<String> notes) {
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
        if (used.contains(h.chunkId())) {
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
}

package io.strata.store.engine;

import io.strata.store.digest.Digest;
import io.strata.store.index.ChunkIndex;
import io.strata.store.index.Locations;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.RecordHeader;
import io.strata.store.ref.Root;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * Damaged records recovery's scan met and could not index from the intact records: those of the
 * pack a crash left open (kept as damage, docs/ADVERSARIAL.md P2) and, in an index rebuilt from the
 * packs, those of sealed packs. Left out of the index, the chunk a root uses in one could never be
 * mended: a put of its bytes would find no id for them and store them under a new one, while the
 * roots still name the old (S1). So a record whose header still parses is indexed as the chunk it
 * names, and that chunk is known damaged, so that a put of its bytes stores it anew under its id.
 *
 * <p>The header has no CRC of its own (the record's covers it with the payload), so it is believed
 * only where nothing contradicts it: the chunk is one a root uses, no intact record placed it, and
 * it is no group record (whose members only its table names). One flipped bit in the id could still
 * name another chunk a root uses whose record is lost as well; that takes two losses at once, and a
 * read of either still fails naming the damage.
 */
final class DamagedRecords {
  private static final System.Logger LOG = System.getLogger(DamagedRecords.class.getName());

  private record Found(int id, Digest digest, long loc) {}

  private final List<Found> found = new ArrayList<>();

  /** Reads the headers of the damaged records at {@code offsets} of pack {@code packId}. */
  void add(Path pack, int packId, List<Long> offsets) throws IOException {
    for (long offset : offsets) {
      RecordHeader h = RecordAt.header(pack, offset);
      if (h != null && !h.grouped()) {
        found.add(
            new Found(h.chunkId(), h.digest(), Locations.encode(packId, offset, h.storedLen())));
      }
    }
  }

  /**
   * Indexes, at its damaged record, each chunk a root in {@code roots} uses that the index lacks;
   * returns their ids, to be known damaged.
   */
  List<Integer> indexUsed(ChunkIndex index, Collection<Root> roots) {
    if (found.isEmpty()) {
      return List.of();
    }
    RoaringBitmap used = new RoaringBitmap();
    for (Root r : roots) {
      used.or(r.chunks());
    }
    List<Integer> ids = new ArrayList<>();
    for (Found f : found) {
      if (used.contains(f.id())
          && index.location(f.id()) == Locations.NONE
          && index.insert(f.id(), f.digest(), f.loc())) {
        ids.add(f.id());
        LOG.log(
            System.Logger.Level.WARNING,
            "chunk {0}: only a damaged record in pack {1} at offset {2} holds it; indexed there as"
                + " damaged, so that a put of its bytes mends it",
            f.digest(),
            PackFormat.fileName(Locations.packId(f.loc())),
            Locations.offset(f.loc()));
      }
    }
    return ids;
  }
}

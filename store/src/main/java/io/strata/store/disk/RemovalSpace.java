package io.strata.store.disk;

import io.strata.store.engine.ChunkStore;
import io.strata.store.ref.Root;
import java.util.function.Predicate;
import org.roaringbitmap.RoaringBitmap;

/**
 * What removing a set of roots takes and would give back, the way {@link
 * io.strata.store.blob.BlobStat#uniqueBytes} counts one blob: the pack bytes of their chunks, and
 * of those no root outside the set references. The set is judged as a whole, so two roots sharing
 * chunks only with each other free them together. One pass over the roots, two chunk-id bitmaps: no
 * per-object sets, however many roots and chunks the store has.
 *
 * @param roots how many roots the set has
 * @param size pack bytes of every chunk some root of the set references
 * @param reclaimable pack bytes of the chunks only roots of the set reference: what removing them
 *     and running gc would free
 */
public record RemovalSpace(int roots, long size, long reclaimable) {
  /** Nothing removed. */
  public static final RemovalSpace NONE = new RemovalSpace(0, 0, 0);

  /** The space of the roots of {@code chunks} whose names {@code removed} accepts. */
  public static RemovalSpace of(ChunkStore chunks, Predicate<String> removed) {
    RoaringBitmap gone = new RoaringBitmap();
    RoaringBitmap kept = new RoaringBitmap();
    int n = 0;
    for (Root r : chunks.allRoots()) {
      if (removed.test(r.name())) {
        gone.or(r.chunks());
        n++;
      } else {
        kept.or(r.chunks());
      }
    }
    return new RemovalSpace(
        n, chunks.storedBytes(gone), chunks.storedBytes(RoaringBitmap.andNot(gone, kept)));
  }
}

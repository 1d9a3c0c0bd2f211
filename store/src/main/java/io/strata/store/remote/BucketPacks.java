package io.strata.store.remote;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Which packs a shared store's bucket holds with their segment published (a checkpoint may cover
 * them though this disk lacks them), and why one it lacks is gone: a finished fleet gc that deleted
 * it leaves a record ({@code gc/done/<generation>}), which a node opening after the gc reads so as
 * not to blame the pack's absence on something else.
 */
public final class BucketPacks implements IntPredicate {
  private static final System.Logger LOG = System.getLogger(BucketPacks.class.getName());

  private final SharedStore store;
  // Pack id to the generation of the fleet gc that deleted it; read once, when first asked.
  private Map<Integer, Long> deletedByGc;

  BucketPacks(SharedStore store) {
    this.store = store;
  }

  @Override
  public boolean test(int id) {
    return store.isPublished(id);
  }

  /**
   * Why pack {@code id}, missing here and from the bucket, is gone ("deleted by the fleet gc of
   * ..."), or null if no fleet gc's record names it (or the records do not read).
   */
  public synchronized String goneBecause(int id) {
    if (deletedByGc == null) {
      try {
        deletedByGc = store.gcDeletions();
      } catch (IOException | RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "{0}: the fleet gc records do not read ({1}); a missing pack is named as such",
            store.objects().describe(),
            e.getMessage());
        deletedByGc = Map.of();
      }
    }
    Long generation = deletedByGc.get(id);
    if (generation == null) {
      return null;
    }
    return "deleted by the fleet gc of "
        + Instant.ofEpochMilli(generation)
        + " ("
        + store.objects().location()
        + "/"
        + SharedStore.GC_DONE
        + generation
        + ")";
  }
}

package io.strata.store.engine;

/**
 * What a garbage collection gave back.
 *
 * @param chunksRemoved chunks no root referenced, now gone
 * @param bytesReclaimed bytes the pack files shrank by (a fleet's gc: the bucket's packs it
 *     deleted, whatever emptied them)
 * @param fleet whether it was a fleet's gc on a shared bucket, which reclaims duplicates as well
 * @param duplicatesDropped a fleet's gc: copies of a chunk that two nodes stored, aliased to one
 *     canonical copy so that the other's pack could go
 * @param chunksRepacked a fleet's gc: still needed chunks copied out of mostly dead packs
 * @param packsDeleted a fleet's gc: the bucket's packs deleted
 */
public record GcResult(
    long chunksRemoved,
    long bytesReclaimed,
    boolean fleet,
    long duplicatesDropped,
    long chunksRepacked,
    long packsDeleted) {

  /** A local gc's result: chunks removed and bytes the pack files shrank by. */
  public GcResult(long chunksRemoved, long bytesReclaimed) {
    this(chunksRemoved, bytesReclaimed, false, 0, 0, 0);
  }

  /** The two results of gc rounds run one after the other, as one. */
  public GcResult plus(GcResult o) {
    return new GcResult(
        chunksRemoved + o.chunksRemoved,
        bytesReclaimed + o.bytesReclaimed,
        fleet || o.fleet,
        duplicatesDropped + o.duplicatesDropped,
        chunksRepacked + o.chunksRepacked,
        packsDeleted + o.packsDeleted);
  }
}

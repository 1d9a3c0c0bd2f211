package io.strata.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer to {@code gc}; the keys of {@code strata --json gc}.
 *
 * @param chunksRemoved chunks nothing referenced, now deleted
 * @param bytesReclaimed bytes the pack files shrank by (a fleet's gc: of the bucket's packs it
 *     deleted, which held unreferenced chunks, duplicates or repacked chunks)
 * @param fleet what else a fleet's gc (a shared bucket) did; absent for a local gc
 */
public record GcReply(
    long chunksRemoved,
    long bytesReclaimed,
    @JsonInclude(JsonInclude.Include.NON_NULL) Fleet fleet) {

  /** A local gc's answer. */
  public GcReply(long chunksRemoved, long bytesReclaimed) {
    this(chunksRemoved, bytesReclaimed, null);
  }

  /**
   * How a fleet's gc emptied the packs it deleted.
   *
   * @param duplicatesDropped copies of a chunk two nodes stored, aliased to one canonical copy
   * @param chunksRepacked needed chunks copied out of mostly dead packs so that those could go
   * @param packsDeleted the bucket's packs deleted
   */
  public record Fleet(long duplicatesDropped, long chunksRepacked, long packsDeleted) {}
}

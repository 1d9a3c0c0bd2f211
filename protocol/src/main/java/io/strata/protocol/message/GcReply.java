package io.strata.protocol.message;

/**
 * The answer to {@code gc}; the keys of {@code strata --json gc}.
 *
 * @param chunksRemoved chunks nothing referenced, now deleted
 * @param bytesReclaimed bytes the pack files shrank by (a fleet's gc: of the bucket's packs it
 *     deleted, which held unreferenced chunks or duplicates)
 * @param fleet whether a fleet's gc ran (a shared bucket), which the other keys describe
 * @param duplicatesDropped copies of a chunk two nodes stored, aliased to one canonical copy
 * @param chunksRepacked needed chunks copied out of mostly dead packs so that those could go
 * @param packsDeleted the bucket's packs deleted
 */
public record GcReply(
    long chunksRemoved,
    long bytesReclaimed,
    boolean fleet,
    long duplicatesDropped,
    long chunksRepacked,
    long packsDeleted) {}

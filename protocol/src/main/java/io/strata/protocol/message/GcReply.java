package io.strata.protocol.message;

/**
 * The answer to {@code gc}; the keys of {@code strata --json gc}.
 *
 * @param chunksRemoved chunks nothing referenced, now deleted
 * @param bytesReclaimed bytes the pack files shrank by
 */
public record GcReply(long chunksRemoved, long bytesReclaimed) {}

package io.strata.store.engine;

import io.strata.store.digest.Digest;

/**
 * One entry of a fleet gc's alias map: chunk {@code chunkId}, stored at {@code from}, is to be read
 * at {@code to}, a record of the same bytes in another pack (the canonical copy). Locations are
 * {@link io.strata.store.index.Locations} values; the digest lets a node that never indexed the
 * chunk add it.
 *
 * @param chunkId the duplicate's id, which roots keep naming
 * @param from where its own record lies
 * @param to where the canonical record lies
 * @param digest the bytes' SHA-256, the same at both places
 */
public record ChunkAlias(int chunkId, long from, long to, Digest digest) {}
